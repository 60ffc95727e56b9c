"""Server-rendered pages (FR/EN): the login pages today; the clinician chart and patient portal to come."""
