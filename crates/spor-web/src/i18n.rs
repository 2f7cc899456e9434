//! The UI's words in Danish (default) and English. Code-list labels come from the
//! [`spor_core::CodeBook`] (`da`/`en`).

use spor_core::{CodeBook, ListId};

/// The interface language, chosen by the `spor_lang` cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Da,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// The language of `spor_core::labels` (the field labels and code texts shared with the
    /// application layer).
    pub fn words(self) -> spor_core::labels::Language {
        match self {
            Lang::Da => spor_core::labels::Language::Da,
            Lang::En => spor_core::labels::Language::En,
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Da => Lang::En,
            Lang::En => Lang::Da,
        }
    }

    /// The text for `key`; the key itself when it is missing (a test checks none is).
    pub fn s(self, key: &str) -> &'static str {
        for (k, da, en) in TEXTS {
            if *k == key {
                return match self {
                    Lang::Da => da,
                    Lang::En => en,
                };
            }
        }
        "?"
    }

    /// The text for `key` with each `{}` replaced by the next of `args`.
    pub fn f(self, key: &str, args: &[&str]) -> String {
        let mut out = self.s(key).to_string();
        for a in args {
            out = out.replacen("{}", a, 1);
        }
        out
    }

    /// The label of a code in this language.
    pub fn label<'a>(self, codes: &'a CodeBook, list: ListId, code: &'a str) -> &'a str {
        spor_core::labels::code_label(codes, self.words(), list, code)
    }

    /// A whole number with the language's thousands separator (1.233 / 1,233).
    pub fn int(self, n: i64) -> String {
        let sep = if self == Lang::Da { '.' } else { ',' };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }
}

/// (key, Danish, English).
pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "Spor", "Spor"),
    ("switch", "English", "Dansk"),
    ("login", "Log ind", "Log in"),
    ("logout", "Log ud", "Log out"),
    ("username", "Brugernavn", "User name"),
    ("password", "Adgangskode", "Password"),
    (
        "login_failed",
        "Login mislykkedes. Tjek brugernavn og adgangskode, eller prøv igen senere.",
        "Login failed. Check user name and password, or try again later.",
    ),
    (
        "session_ended",
        "Din session er udløbet. Log ind igen.",
        "Your session has ended. Please log in again.",
    ),
    ("logged_out", "Du er logget ud.", "You are logged out."),
    ("nav_cases", "Afgørelser", "Decisions"),
    (
        "nav_assessments",
        "Udredende samtaler",
        "Assessment interviews",
    ),
    ("nav_calls", "Hotlineopkald", "Hotline calls"),
    ("nav_persons", "Søg", "Search"),
    ("nav_export", "Eksport (XLSX)", "Export (XLSX)"),
    ("nav_dashboard", "Overblik", "Dashboard"),
    ("nav_overview", "Årsoversigt", "Annual overview"),
    ("nav_releases", "Udgivelser", "Releases"),
    ("nav_exchanges", "Udvekslinger", "Exchanges"),
    (
        "exchanges_title",
        "Internationale udvekslinger",
        "International exchanges",
    ),
    (
        "exchanges_intro",
        "Tallene til Eurostat, UNODC, den amerikanske TIP-rapport og GRETA, talt fra registret efter samme regler som årsoversigten. Hvor registrets koder placeres, styres af mapningen (spor codes mapping).",
        "The figures for Eurostat, UNODC, the US TIP report and GRETA, counted from the register by the overview's rules. Where the register's codes go is set by the mapping (spor codes mapping).",
    ),
    (
        "exchanges_no_data",
        "Registret har ingen tal for dette år.",
        "The register has no figures for this year.",
    ),
    (
        "releases_intro",
        "Hver udgivelse er gemt præcis som den blev udgivet, i alle formater, uanset hvad registret siden er ændret til. Nye udgives med spor release publish.",
        "Each release is kept exactly as it was published, in every format, whatever the register has changed to since. New ones are published with spor release publish.",
    ),
    ("release", "Udgivelse", "Release"),
    ("release_id", "Udgivelse", "Release"),
    ("release_profile", "Udgave", "Edition"),
    ("release_public", "Offentlig", "Public"),
    ("release_internal", "Intern", "Internal"),
    ("release_published", "Udgivet", "Published"),
    ("release_by", "Af", "By"),
    ("release_register", "Registret pr.", "Register as of"),
    ("release_file", "Fil", "File"),
    ("release_format", "Format", "Format"),
    (
        "release_diff",
        "Ændringer siden udgivelsen",
        "Changes since publication",
    ),
    (
        "release_diff_link",
        "Hvad registret nu giver anderledes",
        "What the register now gives differently",
    ),
    ("release_figure", "Tal", "Figure"),
    (
        "figures_link",
        "Tallene med deres registreringer",
        "The figures with their records",
    ),
    (
        "figures_intro",
        "Klik på et tal for at se de registreringer, det tæller.",
        "Click a figure to see the records it counts.",
    ),
    (
        "figures_intro_plain",
        "Tallene i årsoversigtens interne udgave. Brugere, der også er sagsbehandlere, kan klikke på et tal og se de registreringer, det tæller.",
        "The figures of the overview's internal edition. Users who are also caseworkers can click a figure to see the records it counts.",
    ),
    ("figures_total", "I alt", "Total"),
    ("figures_row", "Kategori", "Category"),
    (
        "figures_short",
        "Tal og registreringer",
        "Figures and records",
    ),
    (
        "figure_records_title",
        "Registreringerne bag tallet: {}, {}, {}",
        "The records behind the figure: {}, {}, {}",
    ),
    (
        "figure_records_intro",
        "{} registreringer tælles i tallet. Hver er den registrering, der placerer personen i rækken og kolonnen.",
        "{} records are counted in the figure. Each is the record that puts its person in the row and column.",
    ),
    (
        "figure_records_other_teams",
        "{} af dem gælder personer i et andet team og vises ikke her; find dem under Personer med en begrundelse.",
        "{} of them concern persons of another team and are not shown here; find them under Persons with a reason.",
    ),
    (
        "figure_records_changed",
        "Registret blev ændret, mens registreringerne blev læst. Vis tallet igen, og prøv igen.",
        "The register changed while the records were read. Show the figure again and retry.",
    ),
    ("release_was", "Udgivet", "Published"),
    ("release_now", "Nu", "Now"),
    (
        "release_records",
        "Registreringer ændret siden",
        "Records changed since",
    ),
    ("release_change", "Ændring", "Change"),
    ("release_entity", "Slags", "Kind"),
    ("release_ref", "Reference", "Ref"),
    ("release_date", "Dato", "Date"),
    (
        "release_unchanged",
        "Registret giver alle udgivelsens tal uændret.",
        "The register gives every figure of the release unchanged.",
    ),
    (
        "release_records_hidden",
        "registreringer er ændret siden; sagsbehandlere ser hvilke.",
        "records changed since; caseworkers see which.",
    ),
    ("nav_users", "Brugere", "Users"),
    ("nav_codes", "Kodelister", "Code lists"),
    ("nav_settings", "Indstillinger", "Settings"),
    ("nav_audit", "Revisionsspor", "Audit trail"),
    ("new_case", "Ny afgørelse", "New decision"),
    (
        "new_assessment",
        "Ny udredende samtale",
        "New assessment interview",
    ),
    ("new_call", "Nyt hotlineopkald", "New hotline call"),
    ("edit", "Ret", "Edit"),
    ("delete", "Slet", "Delete"),
    ("save", "Gem", "Save"),
    ("cancel", "Annuller", "Cancel"),
    ("filter", "Filtrér", "Filter"),
    ("all", "Alle", "All"),
    ("year", "År", "Year"),
    ("previous", "Forrige", "Previous"),
    ("next", "Næste", "Next"),
    ("page", "Side", "Page"),
    ("of", "af", "of"),
    ("rows", "rækker", "rows"),
    ("none_found", "Ingen fundet.", "None found."),
    (
        "prepared_return",
        "Forberedt hjemsendelse",
        "Prepared return",
    ),
    (
        "register_return",
        "Registrér forberedt hjemsendelse",
        "Record prepared return",
    ),
    ("history", "Ændringshistorik", "Change history"),
    ("version", "Version", "Version"),
    ("changed_by", "Ændret af", "Changed by"),
    ("when", "Tidspunkt", "When"),
    ("action", "Handling", "Action"),
    ("fields", "Felter", "Fields"),
    ("person", "Person", "Person"),
    ("person_records", "Personens sager", "The person's records"),
    ("decisions", "Afgørelser", "Decisions"),
    ("assessments", "Udredende samtaler", "Assessment interviews"),
    ("find", "Søg", "Search"),
    (
        "form_errors",
        "Formularen har fejl. Ret de markerede felter.",
        "The form has errors. Correct the marked fields.",
    ),
    ("saved", "Gemt.", "Saved."),
    (
        "conflict",
        "Posten er ændret af en anden, siden du åbnede den. Dine ændringer er ikke gemt; åbn posten igen.",
        "Someone else changed this record since you opened it. Your changes were not saved; open the record again.",
    ),
    (
        "exists",
        "Der findes allerede en post med denne reference.",
        "A record with this reference already exists.",
    ),
    (
        "forbidden",
        "Du har ikke adgang til denne side.",
        "You do not have access to this page.",
    ),
    (
        "csrf",
        "Formularen var udløbet eller ugyldig. Genindlæs siden og prøv igen.",
        "The form had expired or was invalid. Reload the page and try again.",
    ),
    ("not_found", "Siden findes ikke.", "Page not found."),
    ("bad_request", "Ugyldig forespørgsel.", "Bad request."),
    (
        "internal",
        "Der opstod en fejl. Prøv igen; kontakt administratoren, hvis den bliver ved.",
        "Something went wrong. Try again; contact the administrator if it persists.",
    ),
    ("yes", "Ja", "Yes"),
    ("no", "Nej", "No"),
    ("choose", "— vælg —", "— choose —"),
    ("unknown", "ikke oplyst", "not known"),
    ("required", "skal udfyldes", "required"),
    ("dash_title", "Overblik", "Dashboard"),
    (
        "victims_so_far",
        "Ofre for menneskehandel hidtil i år",
        "Victims of trafficking so far this year",
    ),
    (
        "same_date_last_year",
        "Samme dato sidste år",
        "Same date last year",
    ),
    (
        "by_form",
        "Efter udnyttelsesform",
        "By form of exploitation",
    ),
    ("by_nationality", "Efter nationalitet", "By nationality"),
    (
        "calls_per_month",
        "Hotlineopkald pr. måned",
        "Hotline calls per month",
    ),
    ("count", "Antal", "Count"),
    (
        "victims_in",
        "Personer vurderet udsat for menneskehandel",
        "Persons identified as victims",
    ),
    ("form", "Udnyttelsesform", "Form of exploitation"),
    ("profile", "Udgave", "Edition"),
    (
        "profile_internal",
        "Intern (eksakte tal)",
        "Internal (exact figures)",
    ),
    (
        "profile_public",
        "Offentlig (beskyttede tal)",
        "Public (protected figures)",
    ),
    (
        "manifest",
        "Frigivelsesmanifest (JSON)",
        "Release manifest (JSON)",
    ),
    ("risk_report", "Risikorapport", "Risk report"),
    ("risk_victims", "Ofre", "Victims"),
    (
        "risk_unique",
        "Entydige på nationalitet × køn × aldersgruppe × udnyttelse",
        "Unique on nationality × gender × age band × form",
    ),
    (
        "risk_small_groups",
        "Grupper (nationalitet × køn × aldersgruppe) under tærsklen",
        "Groups (nationality × gender × age band) below the threshold",
    ),
    (
        "risk_homogeneous",
        "Grupper, hvor alle har samme udnyttelsesform",
        "Groups whose members all share one form",
    ),
    (
        "risk_public_profile",
        "Den offentlige udgave pr. tabel",
        "The public edition per table",
    ),
    ("table", "Tabel", "Table"),
    ("access", "Adgang", "Access"),
    (
        "risk_hidden_cells",
        "Skjulte celler i den offentlige udgave",
        "Cells hidden in the public edition",
    ),
    (
        "risk_hidden_value",
        "Skjult andel af den optalte værdi",
        "Share of the counted value hidden",
    ),
    ("created", "Oprettet", "Created"),
    ("risk_cells", "Celler", "Cells"),
    ("risk_hidden_rule", "Skjult efter regel", "Hidden by rule"),
    (
        "risk_hidden_partners",
        "Skjult for at beskytte andre",
        "Hidden to protect others",
    ),
    ("overview_title", "Årsoversigt", "Annual overview"),
    ("downloads", "Hent", "Download"),
    ("csv_tables", "Tabellerne som CSV", "The tables as CSV"),
    ("show", "Vis", "Show"),
    ("users", "Brugere", "Users"),
    ("roles", "Roller", "Roles"),
    ("disabled", "Spærret", "Disabled"),
    ("active", "Aktiv", "Active"),
    (
        "locked",
        "Låst efter fejlede logins",
        "Locked after failed logins",
    ),
    ("add_user", "Opret bruger", "Add user"),
    ("disable", "Spær", "Disable"),
    ("enable", "Genåbn", "Enable"),
    ("set_roles", "Sæt roller", "Set roles"),
    ("new_password", "Ny adgangskode", "New password"),
    ("reset_password", "Nulstil adgangskode", "Reset password"),
    // The second factor and the user's own password.
    ("second_factor", "Totrinsbekræftelse", "Second factor"),
    (
        "sf_intro",
        "Skriv koden fra din godkendelsesapp (seks cifre), eller en af dine gendannelseskoder.",
        "Enter the code from your authenticator app (six digits), or one of your recovery codes.",
    ),
    ("sf_code", "Kode", "Code"),
    (
        "sf_code_hint",
        "Seks cifre fra appen, eller en gendannelseskode som abcd-1234-ef56-7890.",
        "Six digits from the app, or a recovery code such as abcd-1234-ef56-7890.",
    ),
    ("sf_verify", "Bekræft", "Verify"),
    ("sf_wrong", "Koden er forkert.", "The code is not right."),
    (
        "sf_replayed",
        "Koden er allerede brugt; vent på den næste.",
        "That code was used already; wait for the next one.",
    ),
    (
        "sf_locked",
        "For mange forkerte forsøg: kontoen er låst et stykke tid.",
        "Too many wrong attempts: the account is locked for a while.",
    ),
    (
        "enrol_title",
        "Opsæt totrinsbekræftelse",
        "Set up the second factor",
    ),
    (
        "enrol_intro",
        "Din konto skal have totrinsbekræftelse, før du kan gå videre. Læg nøglen herunder ind i en godkendelsesapp (fx FreeOTP, Aegis, Google eller Microsoft Authenticator), og skriv den kode, appen viser.",
        "Your account needs a second factor before you can go on. Add the key below to an authenticator app (e.g. FreeOTP, Aegis, Google or Microsoft Authenticator) and enter the code it shows.",
    ),
    (
        "enrol_secret",
        "Eller tast nøglen ind i appen:",
        "Or type the key into the app:",
    ),
    (
        "enrol_qr",
        "Skan koden med appen:",
        "Scan the code with the app:",
    ),
    (
        "enrol_qr_alt",
        "QR-kode med nøglen til godkendelsesappen",
        "QR code with the key for the authenticator app",
    ),
    ("enrol_url", "Eller som adresse:", "Or as an address:"),
    ("enrol_code", "Koden fra appen", "The code from the app"),
    ("enrol_confirm", "Aktivér", "Turn on"),
    (
        "recovery_title",
        "Dine gendannelseskoder",
        "Your recovery codes",
    ),
    (
        "recovery_intro",
        "Totrinsbekræftelsen er slået til. Gem disse gendannelseskoder et sikkert sted: hver kan bruges én gang i stedet for en kode fra appen. De vises kun nu.",
        "The second factor is on. Keep these recovery codes somewhere safe: each can be used once instead of a code from the app. They are shown only now.",
    ),
    ("continue", "Fortsæt", "Continue"),
    ("change_password", "Skift adgangskode", "Change password"),
    (
        "current_password",
        "Nuværende adgangskode",
        "Current password",
    ),
    (
        "repeat_password",
        "Gentag den nye adgangskode",
        "Repeat the new password",
    ),
    (
        "password_rules",
        "Mindst 10 tegn; ikke en almindelig adgangskode, og ikke dit brugernavn.",
        "At least 10 characters; not a common password, and not your user name.",
    ),
    (
        "password_must_change",
        "Din adgangskode er sat af en administrator: vælg din egen, før du går videre.",
        "Your password was set by an administrator: choose your own before you go on.",
    ),
    (
        "passwords_differ",
        "De to nye adgangskoder er ikke ens.",
        "The two new passwords differ.",
    ),
    (
        "password_changed",
        "Din adgangskode er skiftet.",
        "Your password has been changed.",
    ),
    ("reauth_title", "Bekræft at det er dig", "Confirm it is you"),
    (
        "reauth_intro",
        "Denne handling kræver, at du bekræfter din adgangskode og kode igen.",
        "This action needs your password and code again.",
    ),
    (
        "reauth_failed",
        "Adgangskoden eller koden er forkert.",
        "The password or the code is not right.",
    ),
    (
        "reset_second_factor",
        "Nulstil totrinsbekræftelse",
        "Reset second factor",
    ),
    ("sf_on", "Totrin", "2FA"),
    (
        "sf_exempt",
        "Roller uden totrinsbekræftelse",
        "Roles without a second factor",
    ),
    (
        "sf_exempt_hint",
        "En konto logger ind uden totrinsbekræftelse, kun når alle dens roller er valgt her. Som udgangspunkt ingen.",
        "An account logs in without a second factor only when every role it has is ticked here. None by default.",
    ),
    ("sf_off", "Uden totrin", "No 2FA"),
    ("code_lists", "Kodelister", "Code lists"),
    ("nav_mappings", "Mapninger", "Mappings"),
    (
        "mappings",
        "Udvekslingernes mapninger",
        "The exchanges' mappings",
    ),
    (
        "mappings_hint",
        "Hvor registrets koder placeres i udvekslingerne med Eurostat, UNODC, TIP-rapporten, GRETA, CTDC og HTCDS. En ændring gælder fra næste udveksling, uden ny version af Spor, og logges.",
        "Where the register's codes go in the exchanges with Eurostat, UNODC, the TIP report, GRETA, CTDC and HTCDS. A change applies from the next exchange, without a new version of Spor, and is logged.",
    ),
    (
        "reporting_country",
        "Rapporterende land",
        "Reporting country",
    ),
    (
        "reporting_country_hint",
        "ISO 3166-1 alfa-2, fx DK.",
        "ISO 3166-1 alpha-2, e.g. DK.",
    ),
    ("map_source_code", "Registrets kode", "Register code"),
    ("map_category", "Kategori", "Category"),
    ("map_changed", "Ændret af centret", "Changed by the centre"),
    ("map_builtin", "Standard", "Built-in"),
    ("map_reset", "Tilbage til standard", "Back to built-in"),
    (
        "map_invalid",
        "Ændringen kan ikke gemmes",
        "The change cannot be saved",
    ),
    ("add_code", "Tilføj kode", "Add code"),
    ("list", "Liste", "List"),
    ("code", "Kode", "Code"),
    ("label_da", "Dansk betegnelse", "Danish label"),
    ("label_en", "Engelsk betegnelse", "English label"),
    ("origin", "Oprindelse", "Origin"),
    ("builtin", "indbygget", "built-in"),
    ("added", "tilføjet", "added"),
    ("settings", "Indstillinger", "Settings"),
    (
        "microdata_from",
        "Mikrodata fra og med år",
        "Microdata from year",
    ),
    (
        "microdata_hint",
        "Første år med komplette mikrodata; tom = pr. serie det tidligste år med mikrodata.",
        "First year with complete microdata; empty = per series the earliest year with microdata.",
    ),
    ("audit_trail", "Revisionsspor", "Audit trail"),
    ("chain_ok", "Kæden er intakt", "The chain is intact"),
    ("chain_broken", "Kæden er brudt", "The chain is broken"),
    (
        "chain_key_needed",
        "Kæden kan ikke kontrolleres uden revisionsnøglen",
        "The chain cannot be checked without the audit key",
    ),
    (
        "chain_unchecked",
        "Kæden kontrolleres, når du beder om det (hele sporet læses)",
        "The chain is checked when you ask (the whole trail is read)",
    ),
    ("verify_chain", "Kontrollér kæden", "Verify the chain"),
    ("events", "hændelser", "events"),
    ("event_code", "Hændelse", "Event"),
    ("actor", "Aktør", "Actor"),
    ("target", "Mål", "Target"),
    ("address", "Adresse", "Address"),
    ("detail", "Detaljer", "Detail"),
    ("from", "Fra", "From"),
    ("until", "Til", "Until"),
    (
        "report_missing",
        "Årsoversigten kan ikke beregnes i denne version.",
        "The annual overview cannot be computed in this version.",
    ),
    ("home", "Forside", "Home"),
    (
        "no_role",
        "Din bruger har ingen sider.",
        "Your account has no pages.",
    ),
    ("welcome", "Velkommen", "Welcome"),
    (
        "confirm_delete",
        "Slet denne post …",
        "Delete this record …",
    ),
    (
        "unchanged",
        "Ingen ændringer: der var intet at gemme.",
        "No changes: there was nothing to save.",
    ),
    ("was_deleted", "{} {} er slettet.", "{} {} was deleted."),
    ("undo", "Fortryd", "Undo"),
    ("restore", "Gendan posten", "Restore the record"),
    (
        "restored",
        "Posten er gendannet.",
        "The record is restored.",
    ),
    (
        "deleted_note",
        "Denne post blev slettet {} af {}.",
        "This record was deleted on {} by {}.",
    ),
    (
        "restorable_until",
        "Den kan gendannes indtil {}.",
        "It can be restored until {}.",
    ),
    (
        "restore_too_late",
        "Posten blev slettet for mere end {} dage siden og kan ikke længere gendannes.",
        "The record was deleted more than {} days ago and can no longer be restored.",
    ),
    (
        "ref_in_use",
        "Referencen bruges nu af en anden post, så den slettede post kan ikke gendannes.",
        "The reference is now used by another record, so the deleted record cannot be restored.",
    ),
    (
        "delete_question",
        "Vil du slette {} {}?",
        "Do you want to delete {} {}?",
    ),
    ("delete_yes", "Ja, slet posten", "Yes, delete the record"),
    (
        "delete_hint",
        "Du kan gendanne posten fra dens side i {} dage.",
        "You can restore the record from its page for {} days.",
    ),
    ("action_create", "Oprettet", "Created"),
    ("action_update", "Ændret", "Changed"),
    ("action_delete", "Slettet", "Deleted"),
    ("action_restore", "Gendannet", "Restored"),
    (
        "search_label",
        "Reference eller en del af den (person, afgørelse, samtale, opkald)",
        "Reference or part of it (person, decision, interview, call)",
    ),
    ("search_title", "Søg", "Search"),
    (
        "no_match",
        "Ingen personer, afgørelser, samtaler eller opkald har en reference, der indeholder «{}».",
        "No person, decision, interview or call has a reference containing “{}”.",
    ),
    ("hits", "Fundet", "Found"),
    ("kind", "Type", "Kind"),
    ("reference", "Reference", "Reference"),
    ("date", "Dato", "Date"),
    (
        "break_glass_title",
        "Begrundelse for adgang",
        "Reason for access",
    ),
    (
        "break_glass_intro",
        "Personen «{}» hører til et andet hold. Skriv, hvorfor du skal se personens sager. Begrundelsen gemmes i revisionssporet, og du får adgang i {} minutter.",
        "The person “{}” belongs to another team. State why you need to see this person's cases. The reason is kept in the audit trail, and you get access for {} minutes.",
    ),
    ("break_glass_reason", "Begrundelse", "Reason"),
    ("break_glass_submit", "Giv mig adgang", "Give me access"),
    (
        "break_glass_no_reason",
        "Skriv en begrundelse; uden den gives der ikke adgang.",
        "State a reason; without one no access is given.",
    ),
    (
        "break_glass_too_long",
        "Begrundelsen må højst have {} tegn.",
        "The reason may have at most {} characters.",
    ),
    ("team", "Hold", "Team"),
    ("identity", "Identitet", "Identity"),
    ("nav_retention", "Sletning", "Retention"),
    (
        "retention_title",
        "Sletning af identiteter",
        "Retention of identities",
    ),
    (
        "retention_years",
        "Identiteter slettes så mange år efter personens seneste afgørelse, hjemrejse eller samtale",
        "Identities are erased this many years after the person's last decision, return or interview",
    ),
    (
        "retention_hint",
        "Et helt antal år fra 1 til 100. Personens sager bevares; statistikken ændres ikke. Personer med retlig tilbageholdelse slettes ikke.",
        "A whole number of years from 1 to 100. The person's records stay; the statistics do not change. Persons under a legal hold are not erased.",
    ),
    (
        "retention_plan",
        "Med skæringsdato {}: {} identiteter skal slettes, {} er retligt tilbageholdt, {} personer har ingen sager (bevares).",
        "With the cut-off {}: {} identities are due for erasure, {} are under a legal hold, {} persons have no records (kept).",
    ),
    (
        "retention_apply",
        "Slet de forfaldne identiteter nu",
        "Erase the identities due now",
    ),
    (
        "retention_done",
        "{} identiteter er slettet ({} retligt tilbageholdt).",
        "{} identities were erased ({} under a legal hold).",
    ),
    (
        "retention_bad_years",
        "Skriv et helt antal år fra 1 til 100.",
        "Write a whole number of years from 1 to 100.",
    ),
    (
        "retention_backups",
        "Sikkerhedskopier ældre end slettefristen indeholder stadig det slettede: dem skal driften kassere.",
        "Backups older than the retention period still hold what was erased: operations must discard them.",
    ),
    ("identity_title", "Identitet: {}", "Identity: {}"),
    (
        "identity_open",
        "Navn, fødselsdato, telefon, dokumenter, sprog og kontaktperson",
        "Name, birth date, phone, documents, language and contact person",
    ),
    (
        "identity_access",
        "Alt, registret har om personen (JSON, til indsigt)",
        "Everything the register holds about the person (JSON, for access requests)",
    ),
    ("identity_erase", "Slet identiteten", "Erase the identity"),
    (
        "identity_erase_reason",
        "Begrundelse for sletningen (fx personens anmodning)",
        "Reason for the erasure (e.g. the person's request)",
    ),
    (
        "identity_erased_now",
        "Identiteten er slettet; personens sager er bevaret.",
        "The identity was erased; the person's records stay.",
    ),
    (
        "identity_not_erased",
        "Intet blev slettet: der er ingen identitet, den er slettet før, eller personen er retligt tilbageholdt.",
        "Nothing was erased: there is no identity, it was erased before, or the person is under a legal hold.",
    ),
    (
        "identity_back",
        "Tilbage til personens sager",
        "Back to the person's records",
    ),
    (
        "identity_saved",
        "Identiteten er gemt (krypteret).",
        "The identity was saved (encrypted).",
    ),
    (
        "identity_duplicates",
        "Måske er personen registreret før. Overvej at bruge den tidligere personreference i stedet for at oprette to:",
        "This person may have been registered before. Consider using the earlier person reference instead of keeping two:",
    ),
    (
        "identity_no_key",
        "Identiteter er krypteret under hovednøglen, og serveren er startet uden den (--master-key FILE eller SPOR_MASTER_KEY_FILE). Alt andet virker.",
        "Identities are sealed under the master key, and the server was started without it (--master-key FILE or SPOR_MASTER_KEY_FILE). Everything else works.",
    ),
    (
        "identity_wrong_key",
        "Serverens hovednøgle er ikke den, registrets identiteter er krypteret under; intet er læst.",
        "The server's master key is not the one the register's identities are sealed under; nothing was read.",
    ),
    (
        "identity_erased",
        "Identiteten blev slettet {}.",
        "The identity was erased on {}.",
    ),
    (
        "identity_hold",
        "Retligt tilbageholdt: {}",
        "Legal hold: {}",
    ),
    (
        "identity_search",
        "Find person ud fra navn (hele navnet eller ét af navnene)",
        "Find a person by name (the whole name or one of the names)",
    ),
    (
        "identity_search_title",
        "Personer med navnet",
        "Persons with the name",
    ),
    (
        "identity_none_found",
        "Ingen person har det navn.",
        "No person has that name.",
    ),
    (
        "identity_fieldset",
        "Personens identitet",
        "The person's identity",
    ),
    (
        "identity_fieldset_hint",
        "Kun for sagsbehandlere. Gemmes krypteret og adskilt fra statistikken, sammen med registreringen. Udfyld det, der er kendt; alt kan stå tomt.",
        "For caseworkers only. Saved encrypted and apart from the statistics, together with the record. Fill in what is known; everything may stay empty.",
    ),
    (
        "identity_fieldset_no_key",
        "Personens identitet kan ikke registreres her: serveren er startet uden hovednøglen til identiteter (--master-key FILE eller SPOR_MASTER_KEY_FILE). Resten af formularen virker.",
        "The person's identity cannot be registered here: the server was started without the master key of identities (--master-key FILE or SPOR_MASTER_KEY_FILE). The rest of the form works.",
    ),
    (
        "identity_form_duplicates",
        "Intet er gemt endnu: måske er personen registreret før. Vælg, før du gemmer igen:",
        "Nothing is saved yet: this person may have been registered before. Choose before saving again:",
    ),
    (
        "identity_same_name_birth",
        "Samme navn og fødselsdato som {}",
        "The same name and birth date as {}",
    ),
    (
        "identity_seen_before",
        "Intet er gemt endnu: måske er personen registreret før. Vælg under «Personens identitet», hvem personen er.",
        "Nothing is saved yet: this person may have been registered before. Choose who the person is under “The person's identity”.",
    ),
    ("identity_choose", "Hvem er personen?", "Who is the person?"),
    (
        "identity_same_both",
        "Samme navn, fødselsdato og dokumentnummer som {}",
        "The same name, birth date and document number as {}",
    ),
    (
        "identity_same_document",
        "Samme dokumentnummer som {}",
        "The same document number as {}",
    ),
    (
        "identity_choice_earlier",
        "Det er {}: knyt registreringen til {} (den registrerede identitet beholdes)",
        "It is {}: link the record to {} (the identity registered is kept)",
    ),
    (
        "identity_choice_another",
        "Det er en anden person: registrér identiteten under {}",
        "It is another person: register the identity under {}",
    ),
    (
        "identity_see_person",
        "se personen (i en ny fane)",
        "see the person (in a new tab)",
    ),
    (
        "identity_not_saved",
        "Intet er gemt: registret kunne ikke skrive registreringen og identiteten. Alt det skrevne står her endnu; prøv at gemme igen.",
        "Nothing was saved: the register could not write the record and the identity. Everything typed is still here; try saving again.",
    ),
    (
        "identity_separated",
        "{} (adskilt af ;)",
        "{} (separated by ;)",
    ),
    (
        "no_person",
        "Der er ingen afgørelser eller samtaler med personreferencen «{}».",
        "There are no decisions or interviews with the person reference “{}”.",
    ),
    (
        "bad_year",
        "«{}» er ikke et år. Skriv et årstal, fx 2023.",
        "“{}” is not a year. Enter a year such as 2023.",
    ),
    (
        "bad_page",
        "Side {} findes ikke: listen har {} sider.",
        "Page {} does not exist: the list has {} pages.",
    ),
    ("last_page", "Gå til sidste side", "Go to the last page"),
    (
        "conflict_theirs",
        "Det ændrede den anden person:",
        "This is what the other person changed:",
    ),
    (
        "reopen",
        "Åbn posten igen med de nye værdier",
        "Open the record again with the new values",
    ),
    ("skip", "Gå til indhold", "Skip to content"),
    ("caseworker", "Sagsbehandler", "Caseworker"),
    ("retired", "udfaset", "retired"),
    (
        "added_codes",
        "Centrets egne koder",
        "The centre's own codes",
    ),
    (
        "added_codes_hint",
        "En kode, der bruges i registreringer, slettes ikke: den kan omdøbes, eller den kan udfases, så den ikke længere tilbydes til nye registreringer.",
        "A code used in records is never deleted: it can be renamed, or retired so that it is no longer offered for new records.",
    ),
    ("rename", "Omdøb", "Rename"),
    ("in_use", "I brug", "In use"),
    ("retire", "Udfas", "Retire"),
    ("unretire", "Tag i brug igen", "Use again"),
    (
        "code_labels_required",
        "Skriv både en dansk og en engelsk betegnelse (højst 200 tegn).",
        "Enter both a Danish and an English label (at most 200 characters).",
    ),
    (
        "microdata_to_history",
        "Tallene for {} vil blive vist som de historisk offentliggjorte tal i stedet for at blive optalt fra registret.",
        "The figures of {} will be shown as the historically published figures instead of being counted from the register.",
    ),
    (
        "microdata_to_count",
        "Tallene for {} vil blive optalt fra registret i stedet for at blive vist som de historisk offentliggjorte tal.",
        "The figures of {} will be counted from the register instead of being shown as the historically published figures.",
    ),
    (
        "microdata_before_history",
        "Tallene for årene før {} vil blive vist som de historisk offentliggjorte tal i stedet for at blive optalt fra registret.",
        "The figures of the years before {} will be shown as the historically published figures instead of being counted from the register.",
    ),
    (
        "microdata_before_count",
        "Hver serie vil blive optalt fra registret fra sit første år med mikrodata, så tal for årene før {} kan ændre sig.",
        "Each series will be counted from the register from its first year with microdata, so figures of the years before {} may change.",
    ),
    (
        "microdata_affects",
        "Det ændrer årsoversigten (intern og offentlig udgave) og overblikket for de år. Vil du gemme ændringen?",
        "This changes the annual overview (internal and public edition) and the dashboard for those years. Do you want to save the change?",
    ),
    (
        "confirm_change",
        "Ja, gem ændringen",
        "Yes, save the change",
    ),
    ("analyst", "Analytiker", "Analyst"),
    ("admin", "Administrator", "Administrator"),
    (
        "exporter",
        "Eksport af hele registret",
        "Export of the whole register",
    ),
    (
        "choose_role",
        "Vælg mindst én rolle: sagsbehandler, analytiker eller administrator.",
        "Choose at least one role: caseworker, analyst or administrator.",
    ),
    (
        "form_resumed",
        "Det, du skrev, er bevaret. Tjek felterne, og tryk Gem igen.",
        "What you typed has been kept. Check the fields and press Save again.",
    ),
    (
        "date_hint",
        "Skriv datoen som dd-mm-åååå, fx 17-04-2026.",
        "Enter the date as dd-mm-yyyy, e.g. 17-04-2026.",
    ),
    (
        "date_bad",
        "«{}» er ikke en dato, der findes. Skriv datoen som dd-mm-åååå, fx 17-04-2026.",
        "“{}” is not a date that exists. Enter the date as dd-mm-yyyy, e.g. 17-04-2026.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_the_languages_thousands_separator() {
        assert_eq!(Lang::Da.int(1233), "1.233");
        assert_eq!(Lang::En.int(1233), "1,233");
        assert_eq!(Lang::Da.int(999), "999");
        assert_eq!(Lang::Da.int(1_000_000), "1.000.000");
    }

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, da, en) in TEXTS {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!da.is_empty() && !en.is_empty(), "{k} lacks a text");
        }
    }

    #[test]
    fn every_text_key_used_in_templates_and_code_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates", "src", "src/pages"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    files.push(p);
                }
            }
        }
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for call in [".s(\"", ".f(\""] {
                for part in text.split(call).skip(1) {
                    let key = part.split('"').next().unwrap_or("");
                    if !TEXTS.iter().any(|(k, _, _)| *k == key) {
                        missing.push(format!("{}: {key}", f.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing texts: {missing:?}");
    }
}
