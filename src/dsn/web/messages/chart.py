"""Messages of the chart pages (French first, then English; the same keys in both)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        # patient search
        "chart_search_title": "Recherche de patient",
        "chart_search_heading": "Trouver un patient",
        "search_legend": "Critères de recherche",
        "search_intro": (
            "Remplissez au moins un champ. Plusieurs champs remplis doivent tous correspondre. "
            "Les accents et les majuscules ne comptent pas."
        ),
        "search_name": "Nom",
        "search_name_hint": "Nom de famille, prénom ou les deux (début des mots), par exemple : belanger genevieve.",
        "search_nam": "NAM (numéro d'assurance maladie)",
        "search_nam_hint": "12 caractères, avec ou sans espaces, par exemple : BELG 7159 2319.",
        "search_birth_date": "Date de naissance",
        "search_birth_date_hint": "Format AAAA-MM-JJ.",
        "search_mrn": "Numéro de dossier local",
        "search_mrn_hint": "Le numéro de dossier d'un établissement, quel qu'il soit.",
        "search_submit": "Rechercher",
        "search_clear": "Nouvelle recherche",
        "search_too_broad": (
            "Indiquez au moins un critère : nom, NAM, date de naissance ou numéro de dossier. "
            "La liste de tous les patients n'est pas affichée."
        ),
        "search_error_name": "Le nom doit compter au moins 2 lettres.",
        "search_error_nam": "Un NAM compte 4 lettres suivies de 8 chiffres, par exemple BELG 7159 2319.",
        "search_error_birth_date": "La date de naissance doit être une date valide au format AAAA-MM-JJ.",
        "search_results_heading": "Résultats",
        "search_results_count": "Patients trouvés : {count}.",
        "search_results_more": (
            "Plus de {count} patients correspondent ; seuls les {count} premiers sont affichés. "
            "Ajoutez un critère pour préciser la recherche."
        ),
        "search_no_results": ("Aucun patient trouvé. Vérifiez l'orthographe ou essayez un autre critère."),
        "col_name": "Nom",
        "col_sex": "Sexe",
        "form_has_errors": "Le formulaire contient des erreurs",
        # the chart
        "chart_title": "Dossier du patient",
        "chart_heading": "Sommaire du dossier — {name}",
        "chart_trail_label": "Vous êtes ici",
        "chart_trail_summary": "Sommaire du dossier",
        "chart_record_hidden": ("Aucun renseignement clinique ne peut être affiché : le choix du patient le retient."),
        "back_to_chart": "Retour au sommaire du dossier",
        # a lab test's history
        "lab_title": "Historique d'un résultat de laboratoire",
        "lab_heading": "Historique : {test}",
        "lab_latest": "Dernier résultat",
        "lab_count": "Nombre de résultats",
        "lab_none": "Aucun résultat de cette analyse ne peut être affiché.",
        "lab_error_test": "L'analyse demandée n'est pas précisée (système et code).",
        # break-the-glass
        "btg_title": "Accès d'urgence",
        "btg_heading": "Accès d'urgence (bris de verre)",
        "btg_offer_text": (
            "Des renseignements sont retenus selon le choix du patient. En cas d'urgence ou pour la "
            "sécurité du patient, vous pouvez y accéder pour un temps limité, en donnant un motif."
        ),
        "btg_offer_link": "Demander un accès d'urgence",
        "btg_explain": (
            "L'accès d'urgence lève, pour ce patient seulement et pendant {hours} heures, les "
            "restrictions qu'il a demandées. Utilisez-le seulement si ces renseignements sont "
            "nécessaires aux soins."
        ),
        "btg_explain_audit": (
            "Votre motif et votre justification sont consignés au journal, révisés par la personne "
            "responsable de la protection des renseignements personnels, et le patient verra cet accès."
        ),
        "btg_reason": "Motif",
        "btg_reason_hint": "Choisissez le motif qui décrit le mieux la situation.",
        "btg_justification": "Justification",
        "btg_justification_hint": "Décrivez la situation clinique (au moins {min} caractères).",
        "btg_submit": "Ouvrir l'accès d'urgence",
        "btg_cancel": "Annuler",
        "btg_error_reason": "Choisissez un motif.",
        "btg_error_justification": "La justification doit compter au moins {min} caractères.",
        "btg_error_role": (
            "Votre rôle ne permet pas l'accès d'urgence. Seuls les médecins, les infirmières et "
            "infirmiers et les pharmaciennes et pharmaciens peuvent y recourir."
        ),
        "btg_error_refused": "L'accès d'urgence a été refusé. Vérifiez le motif et la justification.",
        "btg_active_heading": "Accès d'urgence actif jusqu'à {until}",
        "btg_active_text": (
            "Les renseignements que le patient a restreints sont affichés. Cet accès est journalisé et sera révisé."
        ),
    },
    "en": {
        # patient search
        "chart_search_title": "Patient search",
        "chart_search_heading": "Find a patient",
        "search_legend": "Search criteria",
        "search_intro": (
            "Fill in at least one field. When several are filled in, all must match. "
            "Accents and capitals do not matter."
        ),
        "search_name": "Name",
        "search_name_hint": "Family name, given name or both (start of the words), for example: belanger genevieve.",
        "search_nam": "NAM (health insurance number)",
        "search_nam_hint": "12 characters, with or without spaces, for example: BELG 7159 2319.",
        "search_birth_date": "Date of birth",
        "search_birth_date_hint": "Format YYYY-MM-DD.",
        "search_mrn": "Local record number",
        "search_mrn_hint": "A facility's medical record number, from any facility.",
        "search_submit": "Search",
        "search_clear": "New search",
        "search_too_broad": (
            "Enter at least one criterion: name, NAM, date of birth or record number. "
            "The list of all patients is not shown."
        ),
        "search_error_name": "The name must have at least 2 letters.",
        "search_error_nam": "A NAM has 4 letters followed by 8 digits, for example BELG 7159 2319.",
        "search_error_birth_date": "The date of birth must be a valid date in the format YYYY-MM-DD.",
        "search_results_heading": "Results",
        "search_results_count": "Patients found: {count}.",
        "search_results_more": (
            "More than {count} patients match; only the first {count} are shown. Add a criterion to narrow the search."
        ),
        "search_no_results": "No patient found. Check the spelling or try another criterion.",
        "col_name": "Name",
        "col_sex": "Sex",
        "form_has_errors": "The form has errors",
        # the chart
        "chart_title": "Patient record",
        "chart_heading": "Record summary — {name}",
        "chart_trail_label": "You are here",
        "chart_trail_summary": "Record summary",
        "chart_record_hidden": "No clinical information can be shown: the patient's choice withholds it.",
        "back_to_chart": "Back to the record summary",
        # a lab test's history
        "lab_title": "Lab result history",
        "lab_heading": "History: {test}",
        "lab_latest": "Latest result",
        "lab_count": "Number of results",
        "lab_none": "No result of this test can be shown.",
        "lab_error_test": "The requested test is not specified (system and code).",
        # break-the-glass
        "btg_title": "Emergency access",
        "btg_heading": "Emergency access (break the glass)",
        "btg_offer_text": (
            "Some information is withheld by the patient's choice. In an emergency or for the "
            "patient's safety, you may access it for a limited time by giving a reason."
        ),
        "btg_offer_link": "Request emergency access",
        "btg_explain": (
            "Emergency access lifts the restrictions the patient asked for, for this patient only "
            "and for {hours} hours. Use it only if this information is needed for care."
        ),
        "btg_explain_audit": (
            "Your reason and justification are logged and reviewed by the privacy officer, "
            "and the patient will see this access."
        ),
        "btg_reason": "Reason",
        "btg_reason_hint": "Choose the reason that best describes the situation.",
        "btg_justification": "Justification",
        "btg_justification_hint": "Describe the clinical situation (at least {min} characters).",
        "btg_submit": "Open emergency access",
        "btg_cancel": "Cancel",
        "btg_error_reason": "Choose a reason.",
        "btg_error_justification": "The justification must have at least {min} characters.",
        "btg_error_role": (
            "Your role does not allow emergency access. Only physicians, nurses and pharmacists may use it."
        ),
        "btg_error_refused": "Emergency access was refused. Check the reason and the justification.",
        "btg_active_heading": "Emergency access active until {until}",
        "btg_active_text": ("Information the patient restricted is shown. This access is logged and will be reviewed."),
    },
}
