"""Messages of the login pages in French (the default) and English.

Every key exists in both catalogs (a test checks it). Pages pick the language from
``?lang=``, then the ``dsn_lang`` cookie, then default to French, Quebec's official
language (Charter of the French language).
"""

from __future__ import annotations

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "dsn_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "html_lang": "fr-CA",
        "site_name": "DSN — Dossier santé numérique",
        "login_title": "Connexion",
        "login_heading": "Connexion au Dossier santé numérique",
        "app_requests": "L'application « {client} » demande l'accès suivant :",
        "username": "Nom d'utilisateur",
        "password": "Mot de passe",
        "totp_code": "Code de vérification (application d'authentification)",
        "totp_hint": "Saisissez le code à 6 chiffres affiché par votre application d'authentification.",
        "submit": "Se connecter",
        "switch_language": "English",
        "scope_heading": "Accès demandé",
        "scope_patient": "Dossier du patient choisi : {resource} ({permissions})",
        "scope_user": "Dossiers auxquels vous avez accès : {resource} ({permissions})",
        "scope_identity": "Votre identité",
        "scope_offline": "Accès prolongé (jeton d'actualisation)",
        "scope_other": "{scope}",
        "perm_read": "lecture",
        "perm_write": "écriture",
        "all_resources": "toutes les données",
        "invalid_credentials": "Nom d'utilisateur ou mot de passe invalide.",
        "locked": (
            "Trop de tentatives échouées : le compte est verrouillé temporairement. Réessayez dans {minutes} minutes."
        ),
        "totp_required": "Saisissez le code de vérification pour terminer la connexion.",
        "totp_invalid": "Le code de vérification est invalide.",
        "totp_enrolment_required": (
            "Votre rôle exige une authentification à deux facteurs. "
            "Demandez à un administrateur d'activer la vérification en deux étapes (TOTP)."
        ),
        "csrf_failed": "Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et réessayez.",
        "pick_title": "Choix du patient",
        "pick_heading": "Pour quel patient ouvrir l'application?",
        "pick_self": "Moi-même",
        "pick_represented": "Personne représentée",
        "patient_id": "Identifiant du patient (ressource Patient)",
        "continue": "Continuer",
        "patient_not_found": "Aucun patient ne porte cet identifiant.",
        "error_title": "Demande refusée",
        "error_heading": "La demande d'autorisation ne peut pas être traitée",
        "error_detail": "Détail technique : {detail}",
        "error_help": "Fermez cette fenêtre et relancez l'application. Si le problème persiste, contactez le soutien.",
        "privacy_notice": (
            "Chaque accès à un dossier est journalisé. Le patient peut consulter qui a accédé à son dossier."
        ),
    },
    "en": {
        "html_lang": "en-CA",
        "site_name": "DSN — Digital health record",
        "login_title": "Sign in",
        "login_heading": "Sign in to the Digital Health Record",
        "app_requests": "The application “{client}” requests the following access:",
        "username": "Username",
        "password": "Password",
        "totp_code": "Verification code (authenticator app)",
        "totp_hint": "Enter the 6-digit code shown by your authenticator app.",
        "submit": "Sign in",
        "switch_language": "Français",
        "scope_heading": "Requested access",
        "scope_patient": "Record of the chosen patient: {resource} ({permissions})",
        "scope_user": "Records you have access to: {resource} ({permissions})",
        "scope_identity": "Your identity",
        "scope_offline": "Extended access (refresh token)",
        "scope_other": "{scope}",
        "perm_read": "read",
        "perm_write": "write",
        "all_resources": "all data",
        "invalid_credentials": "Invalid username or password.",
        "locked": "Too many failed attempts: the account is temporarily locked. Try again in {minutes} minutes.",
        "totp_required": "Enter the verification code to finish signing in.",
        "totp_invalid": "The verification code is invalid.",
        "totp_enrolment_required": (
            "Your role requires two-factor authentication. Ask an administrator to enable two-step verification (TOTP)."
        ),
        "csrf_failed": "The form has expired or did not come from this site. Reload the page and try again.",
        "pick_title": "Choose a patient",
        "pick_heading": "Which patient should the application open?",
        "pick_self": "Myself",
        "pick_represented": "Represented person",
        "patient_id": "Patient identifier (Patient resource id)",
        "continue": "Continue",
        "patient_not_found": "No patient has this identifier.",
        "error_title": "Request refused",
        "error_heading": "The authorization request cannot be processed",
        "error_detail": "Technical detail: {detail}",
        "error_help": "Close this window and launch the application again. If the problem persists, contact support.",
        "privacy_notice": "Every access to a record is logged. Patients can see who accessed their record.",
    },
}


def choose_language(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


class Translator:
    """``t("key", name=value)`` in one language; a missing key shows itself rather than failing."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.messages = MESSAGES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages.get(key, key)
        return text.format(**values) if values else text
