"""Messages of the portal pages (French first, then English; the same keys in both).

Keys built at run time (``portal_action_*``, ``portal_kind_*``, ``portal_reason_*``,
``portal_review_*``, ``portal_done_*``, ``portal_category_*``) follow the lists in
:mod:`dsn.web.portal` and :mod:`dsn.web.pages.portal`; tests/web/test_portal_pages.py
checks that each exists.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "portal_error_no_patient": (
            "Aucun dossier n'a été choisi pour cette session. Déconnectez-vous, puis reconnectez-vous en choisissant "
            "le dossier à consulter."
        ),
        "portal_error_trend_params": "Cette analyse n'est pas précisée correctement.",
        "portal_error_actor": "Choisissez un intervenant ou un établissement dans la liste.",
        "portal_whose_own": "Dossier de {name}",
        "portal_whose_child": "Vous consultez le dossier de {name}, que vous représentez.",
        "portal_switch_record": (
            "Vous pouvez aussi agir pour une autre personne. Pour consulter son dossier, déconnectez-vous, puis "
            "reconnectez-vous en le choisissant."
        ),
        # my record
        "portal_summary_title": "Mon dossier",
        "portal_summary_heading": "Mon dossier de santé",
        "portal_summary_heading_child": "Dossier de santé de {name}",
        "portal_summary_intro": (
            "Voici l'essentiel de votre dossier, tel que les établissements de santé du Québec l'ont transmis au DSN. "
            "Chaque renseignement indique sa source."
        ),
        "portal_summary_refused": "Vous avez refusé le partage de vos renseignements.",
        "portal_summary_restricted": "Vous avez restreint le partage de certains renseignements.",
        "portal_summary_manage": "Gérer le partage",
        "portal_summary_no_record": (
            "Aucun dossier à votre nom n'a encore été transmis au DSN. Il apparaîtra ici dès qu'un établissement "
            "de santé l'aura transmis."
        ),
        "portal_summary_more": "Voir aussi :",
        # labs
        "portal_labs_title": "Mes résultats de laboratoire",
        "portal_labs_intro": (
            "Chaque analyse est présentée avec son résultat le plus récent. Choisissez une analyse pour voir son "
            "évolution dans le temps."
        ),
        "portal_labs_caption": "Mes analyses de laboratoire et leur dernier résultat",
        "portal_col_latest": "Dernier résultat",
        "portal_col_count": "Nombre de résultats",
        "portal_labs_truncated": "Seuls les 500 résultats les plus récents sont pris en compte.",
        "portal_labs_none": "Aucun résultat de laboratoire n'est inscrit à votre dossier.",
        "portal_trend_title": "Évolution : {test}",
        "portal_back_to_labs": "← Retour à mes résultats de laboratoire",
        "portal_trend_none": "Aucun résultat pour cette analyse dans votre dossier.",
        # who accessed my record
        "portal_access_title": "Qui a consulté mon dossier",
        "portal_access_intro": (
            "Chaque accès à votre dossier est inscrit au journal des accès, qui ne peut pas être modifié : qui, quand, "
            "de quel établissement et quels renseignements. Si un accès vous semble injustifié, communiquez avec la "
            "personne responsable de la protection des renseignements personnels de votre établissement."
        ),
        "portal_access_btg_intro": (
            "Les accès d'urgence (bris de verre) sont signalés, avec la raison donnée par l'intervenant. Chacun est "
            "révisé par la personne responsable de la protection des renseignements personnels."
        ),
        "portal_access_own_hidden": "Vos propres consultations sont masquées.",
        "portal_access_show_own": "Les afficher",
        "portal_access_own_shown": "Vos propres consultations sont affichées.",
        "portal_access_hide_own": "Les masquer",
        "portal_access_caption": "Accès à mon dossier, du plus récent au plus ancien",
        "portal_col_when": "Date et heure",
        "portal_col_who": "Personne",
        "portal_col_what": "Action",
        "portal_col_information": "Renseignements",
        "portal_col_notes": "Remarques",
        "portal_you": "Vous",
        "portal_role_system": "DSN (traitement automatique)",
        "portal_role_other": "autre rôle",
        "portal_role_application": "système d'un établissement",
        "portal_btg_badge": "Accès d'urgence (bris de verre)",
        "portal_btg_reason": "Raison : {reason}",
        "portal_btg_justification": "Justification : «\u00a0{text}\u00a0»",
        "portal_refused_badge": "Accès refusé",
        "portal_access_none": "Aucun accès à afficher.",
        "portal_access_pages": "Pages du journal des accès",
        "portal_access_newest": "Revenir aux accès les plus récents",
        "portal_access_older": "Accès plus anciens",
        "portal_action_read": "Consultation",
        "portal_action_search": "Recherche",
        "portal_action_history": "Consultation de l'historique",
        "portal_action_create": "Ajout",
        "portal_action_update": "Modification",
        "portal_action_delete": "Suppression",
        "portal_action_everything": "Consultation du dossier complet",
        "portal_action_lastn": "Consultation des derniers résultats",
        "portal_action_access_log": "Consultation du journal des accès",
        "portal_action_break_glass": "Ouverture d'un accès d'urgence",
        "portal_action_consent": "Changement des choix de partage",
        "portal_action_review": "Révision d'un accès d'urgence",
        "portal_action_export": "Exportation",
        "portal_action_operation": "Autre opération",
        "portal_kind_demographics": "identité",
        "portal_kind_directory": "répertoire des intervenants",
        "portal_kind_scheduling": "rendez-vous",
        "portal_kind_encounters": "visites et hospitalisations",
        "portal_kind_allergies": "allergies",
        "portal_kind_problems": "problèmes de santé et interventions",
        "portal_kind_immunizations": "vaccins",
        "portal_kind_medications": "médicaments",
        "portal_kind_labs": "résultats d'examens",
        "portal_kind_documents": "documents",
        "portal_kind_consent": "choix de partage",
        "portal_kind_audit": "journal des accès",
        "portal_kind_other": "autres renseignements",
        "portal_reason_ETREAT": "traitement d'urgence",
        "portal_reason_BTG": "bris de confidentialité en urgence",
        "portal_reason_PATSFTY": "sécurité du patient",
        "portal_reason_CLINTRCH": "continuité des soins — information critique",
        "portal_review_justified": "Révisé : justifié",
        "portal_review_not_justified": "Révisé : non justifié",
        "portal_review_needs_follow_up": "Révisé : suivi nécessaire",
        # sharing
        "portal_sharing_title": "Partage de mes renseignements",
        "portal_sharing_intro": (
            "Par défaut, les professionnels autorisés qui vous soignent peuvent consulter votre dossier dans le DSN. "
            "La loi vous permet de refuser ce partage, ou de le restreindre à certaines catégories de renseignements "
            "ou à certains intervenants ou établissements. Vous, vous avez toujours accès à tout votre dossier."
        ),
        "portal_sharing_immediate": (
            "Vos choix s'appliquent immédiatement, dès la prochaine consultation, et vous pouvez les retirer en tout "
            "temps. Ils ne suppriment aucun renseignement : ils en limitent l'accès."
        ),
        "portal_emergency_heading": "En cas d'urgence : le bris de verre",
        "portal_emergency_text": (
            "Si votre vie ou votre santé est en danger, un médecin, une infirmière ou un pharmacien peut lever "
            "temporairement vos restrictions pour vous soigner («\u00a0bris "
            "de verre\u00a0»). Il doit en donner la raison et la "
            "justifier. L'accès ne vaut que pour vous, pour quelques heures, et il est révisé ensuite par la personne "
            "responsable de la protection des renseignements personnels. C'est ce que prévoit la loi."
        ),
        "portal_emergency_logged": "Chacun de ces accès est inscrit au journal et vous est signalé :",
        "portal_current_heading": "Mes choix actuels",
        "portal_current_none": (
            "Vous n'avez fait aucun choix : vos renseignements sont partagés avec les professionnels autorisés."
        ),
        "portal_choice_refuse": "Refus de tout partage",
        "portal_choice_category": "Catégorie restreinte pour tous : {category}",
        "portal_choice_category_actor": "Catégorie «\u00a0{category}\u00a0» restreinte pour : {actor}",
        "portal_choice_actor": "Tout le dossier restreint pour : {actor}",
        "portal_choice_since": "Depuis le {date}",
        "portal_choice_from": "À compter du {date}",
        "portal_choice_until": "Jusqu'au {date}",
        "portal_withdraw": "Retirer",
        "portal_withdraw_label": "Retirer : {choice}",
        "portal_refusal_heading": "Refuser tout partage",
        "portal_refusal_text": (
            "Si vous refusez le partage, les professionnels ne verront dans le DSN que votre identité et le fait que "
            "vous avez refusé : ni allergies, ni médicaments, ni résultats, ni aucun autre renseignement de santé."
        ),
        "portal_refusal_keeps": (
            "Vos renseignements restent conservés et vous y avez toujours accès. Les établissements continuent de "
            "tenir leur propre dossier sur les soins qu'ils vous donnent."
        ),
        "portal_refusal_active": "Vous refusez actuellement tout partage.",
        "portal_refusal_button": "Refuser tout partage",
        "portal_refusal_confirm": (
            "Je comprends que les professionnels ne verront plus mes renseignements de santé dans le DSN, "
            "sauf en cas d'urgence (bris de verre)."
        ),
        "portal_refusal_confirm_required": (
            "Pour refuser tout partage, cochez d'abord la case qui confirme que vous en comprenez l'effet."
        ),
        "portal_refusal_withdraw": "Retirer mon refus et permettre le partage",
        "portal_categories_heading": "Restreindre des catégories de renseignements",
        "portal_categories_text": (
            "Les renseignements des catégories cochées seront cachés à tous les professionnels. Le reste de votre "
            "dossier demeure partagé."
        ),
        "portal_categories_codes": (
            "Le DSN reconnaît ces catégories d'après les codes inscrits par les établissements. Un renseignement lié "
            "qui n'est pas codé ainsi (par exemple une visite) peut rester visible."
        ),
        "portal_categories_legend": "Catégories à cacher à tous les professionnels",
        "portal_category_name_PSY": "Santé mentale",
        "portal_category_name_ETH": "Dépendances (alcool, drogues et autres substances)",
        "portal_category_name_HIV": "VIH",
        "portal_category_name_STD": "Infections transmissibles sexuellement",
        "portal_category_name_SEX": "Santé sexuelle et reproductive",
        "portal_category_hint_PSY": (
            "Diagnostics et suivis en santé mentale (par exemple dépression, anxiété) et certains médicaments comme "
            "les antidépresseurs."
        ),
        "portal_category_hint_ETH": (
            "Troubles liés à l'alcool, aux drogues ou à d'autres substances, et leurs traitements."
        ),
        "portal_category_hint_HIV": "Infection par le VIH, tests de dépistage du VIH et traitements antirétroviraux.",
        "portal_category_hint_STD": "Chlamydia, gonorrhée, herpès génital, syphilis et autres ITS.",
        "portal_category_hint_SEX": (
            "Grossesse, interruption de grossesse et autres soins de santé sexuelle et reproductive."
        ),
        "portal_categories_save": "Enregistrer mes choix de catégories",
        "portal_actors_heading": "Restreindre un intervenant ou un établissement",
        "portal_actors_text": (
            "L'intervenant ou l'établissement choisi ne verra plus rien de votre dossier, sauf votre identité et le "
            "fait que vous avez restreint son accès. Les autres professionnels y ont toujours accès."
        ),
        "portal_actors_label": "Intervenant ou établissement",
        "portal_actors_hint": "La liste présente ceux qui ont déjà consulté ou alimenté votre dossier.",
        "portal_actors_choose": "Choisir…",
        "portal_actors_organizations": "Établissements",
        "portal_actors_practitioners": "Intervenants",
        "portal_actors_button": "Restreindre son accès",
        "portal_actors_none": "Aucun intervenant ni établissement n'a encore consulté ou alimenté votre dossier.",
        "portal_done_refused": "C'est fait : vous refusez maintenant tout partage. Ce choix s'applique dès maintenant.",
        "portal_done_refusal_withdrawn": (
            "C'est fait : votre refus est retiré. Vos renseignements sont de nouveau partagés."
        ),
        "portal_done_categories_saved": (
            "C'est fait : vos choix de catégories sont enregistrés et s'appliquent dès maintenant."
        ),
        "portal_done_actor_restricted": "C'est fait : cet accès est restreint dès maintenant.",
        "portal_done_withdrawn": "C'est fait : cette restriction est retirée.",
        "portal_done_unchanged": "Aucun changement : vos choix étaient déjà ceux-là.",
        # download
        "portal_download_title": "Télécharger mon dossier",
        "portal_download_intro": (
            "Vous pouvez obtenir une copie complète de votre dossier dans le DSN : identité, allergies, médicaments, "
            "problèmes de santé, vaccins, résultats, visites, documents et choix de partage."
        ),
        "portal_download_format_heading": "Le format du fichier",
        "portal_download_format": (
            "Le fichier suit la norme internationale FHIR (format JSON). Il est conçu pour être lu par des logiciels : "
            "vous pouvez le remettre à un professionnel ou l'importer dans une application de santé. Pour lire votre "
            "dossier vous-même, les pages de ce portail sont plus pratiques."
        ),
        "portal_download_care_heading": "Avant de télécharger",
        "portal_download_care_sensitive": (
            "Le fichier contient des renseignements de santé confidentiels : conservez-le en lieu sûr."
        ),
        "portal_download_care_shared": "Sur un ordinateur partagé, supprimez-le après usage.",
        "portal_download_care_logged": "Le téléchargement est inscrit au journal des accès de votre dossier.",
        "portal_download_button": "Télécharger mon dossier (fichier JSON)",
        "portal_download_file": "Nom du fichier : {file}",
    },
    "en": {
        "portal_error_no_patient": (
            "No record was chosen for this session. Sign out, then sign in again and choose the record to view."
        ),
        "portal_error_trend_params": "This test is not specified correctly.",
        "portal_error_actor": "Choose a provider or an organization from the list.",
        "portal_whose_own": "Record of {name}",
        "portal_whose_child": "You are viewing the record of {name}, whom you represent.",
        "portal_switch_record": (
            "You may also act for someone else. To view their record, sign out, then sign in again and choose it."
        ),
        # my record
        "portal_summary_title": "My record",
        "portal_summary_heading": "My health record",
        "portal_summary_heading_child": "Health record of {name}",
        "portal_summary_intro": (
            "Here are the essentials of your record, as Quebec's health facilities sent them to DSN. "
            "Each item shows where it came from."
        ),
        "portal_summary_refused": "You refused to have your information shared.",
        "portal_summary_restricted": "You restricted the sharing of some information.",
        "portal_summary_manage": "Manage sharing",
        "portal_summary_no_record": (
            "No record in your name has been sent to DSN yet. It will appear here as soon as a health facility "
            "sends it."
        ),
        "portal_summary_more": "See also:",
        # labs
        "portal_labs_title": "My lab results",
        "portal_labs_intro": (
            "Each test is shown with its most recent result. Choose a test to see how it changed over time."
        ),
        "portal_labs_caption": "My lab tests and their latest result",
        "portal_col_latest": "Latest result",
        "portal_col_count": "Number of results",
        "portal_labs_truncated": "Only the 500 most recent results are taken into account.",
        "portal_labs_none": "No lab results are recorded in your record.",
        "portal_trend_title": "Trend: {test}",
        "portal_back_to_labs": "← Back to my lab results",
        "portal_trend_none": "No results for this test in your record.",
        # who accessed my record
        "portal_access_title": "Who accessed my record",
        "portal_access_intro": (
            "Every access to your record is written to the access log, which cannot be changed: who, when, from which "
            "organization and what information. If an access seems unjustified to you, contact your facility's "
            "privacy officer."
        ),
        "portal_access_btg_intro": (
            "Emergency accesses (break-the-glass) are marked, with the reason the provider gave. Each one is "
            "reviewed by the privacy officer."
        ),
        "portal_access_own_hidden": "Your own accesses are hidden.",
        "portal_access_show_own": "Show them",
        "portal_access_own_shown": "Your own accesses are shown.",
        "portal_access_hide_own": "Hide them",
        "portal_access_caption": "Accesses to my record, newest first",
        "portal_col_when": "Date and time",
        "portal_col_who": "Person",
        "portal_col_what": "Action",
        "portal_col_information": "Information",
        "portal_col_notes": "Notes",
        "portal_you": "You",
        "portal_role_system": "DSN (automatic processing)",
        "portal_role_other": "other role",
        "portal_role_application": "a facility's system",
        "portal_btg_badge": "Emergency access (break-the-glass)",
        "portal_btg_reason": "Reason: {reason}",
        "portal_btg_justification": "Justification: “{text}”",
        "portal_refused_badge": "Access refused",
        "portal_access_none": "No accesses to show.",
        "portal_access_pages": "Access log pages",
        "portal_access_newest": "Back to the most recent accesses",
        "portal_access_older": "Older accesses",
        "portal_action_read": "Viewed",
        "portal_action_search": "Searched",
        "portal_action_history": "Viewed the history",
        "portal_action_create": "Added",
        "portal_action_update": "Modified",
        "portal_action_delete": "Deleted",
        "portal_action_everything": "Viewed the whole record",
        "portal_action_lastn": "Viewed the latest results",
        "portal_action_access_log": "Viewed the access log",
        "portal_action_break_glass": "Opened an emergency access",
        "portal_action_consent": "Changed sharing choices",
        "portal_action_review": "Reviewed an emergency access",
        "portal_action_export": "Exported",
        "portal_action_operation": "Other operation",
        "portal_kind_demographics": "identity",
        "portal_kind_directory": "provider directory",
        "portal_kind_scheduling": "appointments",
        "portal_kind_encounters": "visits and admissions",
        "portal_kind_allergies": "allergies",
        "portal_kind_problems": "health problems and procedures",
        "portal_kind_immunizations": "immunizations",
        "portal_kind_medications": "medications",
        "portal_kind_labs": "test results",
        "portal_kind_documents": "documents",
        "portal_kind_consent": "sharing choices",
        "portal_kind_audit": "access log",
        "portal_kind_other": "other information",
        "portal_reason_ETREAT": "emergency treatment",
        "portal_reason_BTG": "break the glass (emergency)",
        "portal_reason_PATSFTY": "patient safety",
        "portal_reason_CLINTRCH": "continuity of care — critical information",
        "portal_review_justified": "Reviewed: justified",
        "portal_review_not_justified": "Reviewed: not justified",
        "portal_review_needs_follow_up": "Reviewed: follow-up needed",
        # sharing
        "portal_sharing_title": "Sharing my information",
        "portal_sharing_intro": (
            "By default, the authorized professionals who care for you can see your record in DSN. The law lets you "
            "refuse this sharing, or restrict it for some categories of information or for some providers or "
            "organizations. You yourself always have access to your whole record."
        ),
        "portal_sharing_immediate": (
            "Your choices apply immediately, from the very next access, and you can withdraw them at any time. They "
            "delete no information: they limit who can see it."
        ),
        "portal_emergency_heading": "In an emergency: break-the-glass",
        "portal_emergency_text": (
            "If your life or health is in danger, a physician, nurse or pharmacist can temporarily lift your "
            "restrictions to treat you (\u201cbreak-the-glass\u201d). They must give and justify a reason. The access "
            "covers only you, for a few hours, and it is then reviewed by the privacy officer. This is what the law "
            "provides."
        ),
        "portal_emergency_logged": "Each such access is written to the log and shown to you:",
        "portal_current_heading": "My current choices",
        "portal_current_none": "You have made no choices: your information is shared with authorized professionals.",
        "portal_choice_refuse": "All sharing refused",
        "portal_choice_category": "Category restricted for everyone: {category}",
        "portal_choice_category_actor": "Category \u201c{category}\u201d restricted for: {actor}",
        "portal_choice_actor": "Whole record restricted for: {actor}",
        "portal_choice_since": "Since {date}",
        "portal_choice_from": "From {date}",
        "portal_choice_until": "Until {date}",
        "portal_withdraw": "Withdraw",
        "portal_withdraw_label": "Withdraw: {choice}",
        "portal_refusal_heading": "Refuse all sharing",
        "portal_refusal_text": (
            "If you refuse sharing, professionals will see in DSN only your identity and the fact that you refused: no "
            "allergies, medications, results or any other health information."
        ),
        "portal_refusal_keeps": (
            "Your information is still kept and you always have access to it. Facilities keep their own records of the "
            "care they give you."
        ),
        "portal_refusal_active": "You currently refuse all sharing.",
        "portal_refusal_button": "Refuse all sharing",
        "portal_refusal_confirm": (
            "I understand that professionals will no longer see my health information in DSN, "
            "except in an emergency (break-the-glass)."
        ),
        "portal_refusal_confirm_required": (
            "To refuse all sharing, first check the box confirming that you understand its effect."
        ),
        "portal_refusal_withdraw": "Withdraw my refusal and allow sharing",
        "portal_categories_heading": "Restrict categories of information",
        "portal_categories_text": (
            "Information in the checked categories will be hidden from every professional. The rest of your record "
            "stays shared."
        ),
        "portal_categories_codes": (
            "DSN recognizes these categories from the codes facilities record. Related information that is not coded "
            "that way (a visit, for example) may remain visible."
        ),
        "portal_categories_legend": "Categories to hide from every professional",
        "portal_category_name_PSY": "Mental health",
        "portal_category_name_ETH": "Substance use (alcohol, drugs and other substances)",
        "portal_category_name_HIV": "HIV",
        "portal_category_name_STD": "Sexually transmitted infections",
        "portal_category_name_SEX": "Sexual and reproductive health",
        "portal_category_hint_PSY": (
            "Mental health diagnoses and follow-up (depression or anxiety, for example) and some medications such as "
            "antidepressants."
        ),
        "portal_category_hint_ETH": "Alcohol, drug or other substance use disorders, and their treatment.",
        "portal_category_hint_HIV": "HIV infection, HIV screening tests and antiretroviral treatment.",
        "portal_category_hint_STD": "Chlamydia, gonorrhea, genital herpes, syphilis and other STIs.",
        "portal_category_hint_SEX": (
            "Pregnancy, termination of pregnancy and other sexual and reproductive health care."
        ),
        "portal_categories_save": "Save my category choices",
        "portal_actors_heading": "Restrict a provider or an organization",
        "portal_actors_text": (
            "The chosen provider or organization will no longer see anything in your record except your identity and "
            "the fact that you restricted their access. Other professionals still have access."
        ),
        "portal_actors_label": "Provider or organization",
        "portal_actors_hint": "The list shows those who have already viewed or added to your record.",
        "portal_actors_choose": "Choose…",
        "portal_actors_organizations": "Organizations",
        "portal_actors_practitioners": "Providers",
        "portal_actors_button": "Restrict their access",
        "portal_actors_none": "No provider or organization has viewed or added to your record yet.",
        "portal_done_refused": "Done: you now refuse all sharing. This choice applies from now on.",
        "portal_done_refusal_withdrawn": "Done: your refusal is withdrawn. Your information is shared again.",
        "portal_done_categories_saved": "Done: your category choices are saved and apply from now on.",
        "portal_done_actor_restricted": "Done: this access is restricted from now on.",
        "portal_done_withdrawn": "Done: this restriction is withdrawn.",
        "portal_done_unchanged": "No change: those were already your choices.",
        # download
        "portal_download_title": "Download my record",
        "portal_download_intro": (
            "You can get a complete copy of your record in DSN: identity, allergies, medications, health problems, "
            "immunizations, results, visits, documents and sharing choices."
        ),
        "portal_download_format_heading": "The file format",
        "portal_download_format": (
            "The file follows the international FHIR standard (JSON format). It is designed to be read by software: "
            "you can give it to a professional or import it into a health app. To read your record yourself, the "
            "pages of this portal are easier."
        ),
        "portal_download_care_heading": "Before downloading",
        "portal_download_care_sensitive": "The file contains confidential health information: keep it somewhere safe.",
        "portal_download_care_shared": "On a shared computer, delete it after use.",
        "portal_download_care_logged": "The download is written to your record's access log.",
        "portal_download_button": "Download my record (JSON file)",
        "portal_download_file": "File name: {file}",
    },
}
