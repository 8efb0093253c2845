use crate::Lang;
use serde::Serialize;
use std::fmt;

/// Stable, machine-readable codes of field problems. The snake_case string of each code is part of
/// the public API (problem details `errors[].code`) and must never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// A required value is missing (or an object/list that must have content is empty).
    Required,
    /// A text is empty or only whitespace.
    Blank,
    /// A text is longer than allowed.
    TooLong,
    /// A text (e.g. a password) is shorter than allowed.
    TooShort,
    /// A list has fewer items than allowed.
    TooFew,
    /// A list has more items than allowed.
    TooMany,
    /// A list holds the same value twice.
    Duplicate,
    /// A value is not a key of the vocabulary it belongs to.
    UnknownValue,
    /// A number is outside its allowed range.
    OutOfRange,
    /// An e-mail address is not valid.
    InvalidEmail,
    /// A URL is not a valid absolute http(s) URL.
    InvalidUrl,
    /// A time of day is not `HH:MM`.
    InvalidTime,
    /// A recurrence rule is not a valid RFC 5545 RRULE.
    InvalidRrule,
    /// A time zone is not a known IANA zone.
    InvalidTimezone,
    /// A value has the wrong format (e.g. a business id, a phone number, control characters).
    InvalidFormat,
    /// An end lies before its start (times, dates, ages).
    EndBeforeStart,
    /// Latitude and longitude must be given together.
    IncompleteCoordinates,
    /// A field that this kind of listing does not use.
    NotAllowedForKind,
    /// The input is not well-formed JSON.
    InvalidJson,
    /// A key that the format does not have (a typo must not silently drop data).
    UnknownField,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::Required => "required",
            ProblemCode::Blank => "blank",
            ProblemCode::TooLong => "too_long",
            ProblemCode::TooShort => "too_short",
            ProblemCode::TooFew => "too_few",
            ProblemCode::TooMany => "too_many",
            ProblemCode::Duplicate => "duplicate",
            ProblemCode::UnknownValue => "unknown_value",
            ProblemCode::OutOfRange => "out_of_range",
            ProblemCode::InvalidEmail => "invalid_email",
            ProblemCode::InvalidUrl => "invalid_url",
            ProblemCode::InvalidTime => "invalid_time",
            ProblemCode::InvalidRrule => "invalid_rrule",
            ProblemCode::InvalidTimezone => "invalid_timezone",
            ProblemCode::InvalidFormat => "invalid_format",
            ProblemCode::EndBeforeStart => "end_before_start",
            ProblemCode::IncompleteCoordinates => "incomplete_coordinates",
            ProblemCode::NotAllowedForKind => "not_allowed_for_kind",
            ProblemCode::InvalidJson => "invalid_json",
            ProblemCode::UnknownField => "unknown_field",
        }
    }

    /// A short explanation of the code in the requested language.
    pub fn message(self, lang: Lang) -> &'static str {
        use ProblemCode::*;
        match (self, lang) {
            (Required, Lang::Fi) => "Pakollinen tieto puuttuu.",
            (Required, Lang::Sv) => "Ett obligatoriskt värde saknas.",
            (Required, Lang::En) => "A required value is missing.",
            (Blank, Lang::Fi) => "Teksti ei saa olla tyhjä.",
            (Blank, Lang::Sv) => "Texten får inte vara tom.",
            (Blank, Lang::En) => "The text must not be empty.",
            (TooLong, Lang::Fi) => "Teksti on liian pitkä.",
            (TooLong, Lang::Sv) => "Texten är för lång.",
            (TooLong, Lang::En) => "The text is too long.",
            (TooShort, Lang::Fi) => "Teksti on liian lyhyt.",
            (TooShort, Lang::Sv) => "Texten är för kort.",
            (TooShort, Lang::En) => "The text is too short.",
            (TooFew, Lang::Fi) => "Luettelossa on liian vähän arvoja.",
            (TooFew, Lang::Sv) => "Listan har för få värden.",
            (TooFew, Lang::En) => "The list has too few values.",
            (TooMany, Lang::Fi) => "Luettelossa on liian monta arvoa.",
            (TooMany, Lang::Sv) => "Listan har för många värden.",
            (TooMany, Lang::En) => "The list has too many values.",
            (Duplicate, Lang::Fi) => "Sama arvo on annettu kahdesti.",
            (Duplicate, Lang::Sv) => "Samma värde förekommer två gånger.",
            (Duplicate, Lang::En) => "The same value is given twice.",
            (UnknownValue, Lang::Fi) => "Tuntematon arvo.",
            (UnknownValue, Lang::Sv) => "Okänt värde.",
            (UnknownValue, Lang::En) => "Unknown value.",
            (OutOfRange, Lang::Fi) => "Arvo on sallitun alueen ulkopuolella.",
            (OutOfRange, Lang::Sv) => "Värdet ligger utanför det tillåtna intervallet.",
            (OutOfRange, Lang::En) => "The value is out of range.",
            (InvalidEmail, Lang::Fi) => "Sähköpostiosoite ei ole kelvollinen.",
            (InvalidEmail, Lang::Sv) => "E-postadressen är inte giltig.",
            (InvalidEmail, Lang::En) => "The e-mail address is not valid.",
            (InvalidUrl, Lang::Fi) => "Osoitteen on oltava kokonainen http- tai https-osoite.",
            (InvalidUrl, Lang::Sv) => {
                "Adressen måste vara en fullständig http- eller https-adress."
            }
            (InvalidUrl, Lang::En) => "The address must be a complete http or https URL.",
            (InvalidTime, Lang::Fi) => "Kellonajan muoto on TT:MM.",
            (InvalidTime, Lang::Sv) => "Klockslaget ska ha formen TT:MM.",
            (InvalidTime, Lang::En) => "The time must have the form HH:MM.",
            (InvalidRrule, Lang::Fi) => "Toistosääntö ei ole kelvollinen RFC 5545 -sääntö.",
            (InvalidRrule, Lang::Sv) => "Upprepningsregeln är inte en giltig RFC 5545-regel.",
            (InvalidRrule, Lang::En) => "The recurrence rule is not a valid RFC 5545 rule.",
            (InvalidTimezone, Lang::Fi) => "Tuntematon aikavyöhyke.",
            (InvalidTimezone, Lang::Sv) => "Okänd tidszon.",
            (InvalidTimezone, Lang::En) => "Unknown time zone.",
            (InvalidFormat, Lang::Fi) => "Arvon muoto ei ole kelvollinen.",
            (InvalidFormat, Lang::Sv) => "Värdets format är inte giltigt.",
            (InvalidFormat, Lang::En) => "The value has an invalid format.",
            (EndBeforeStart, Lang::Fi) => "Loppu on ennen alkua.",
            (EndBeforeStart, Lang::Sv) => "Slutet ligger före början.",
            (EndBeforeStart, Lang::En) => "The end is before the start.",
            (IncompleteCoordinates, Lang::Fi) => "Leveys- ja pituusaste annetaan yhdessä.",
            (IncompleteCoordinates, Lang::Sv) => "Latitud och longitud anges tillsammans.",
            (IncompleteCoordinates, Lang::En) => "Latitude and longitude must be given together.",
            (NotAllowedForKind, Lang::Fi) => {
                "Tätä tietoa ei käytetä tämän tyyppisessä ilmoituksessa."
            }
            (NotAllowedForKind, Lang::Sv) => "Uppgiften används inte för den här typen av annons.",
            (NotAllowedForKind, Lang::En) => "This field is not used for this kind of listing.",
            (InvalidJson, Lang::Fi) => "Syöte ei ole kelvollista JSONia.",
            (InvalidJson, Lang::Sv) => "Indata är inte giltig JSON.",
            (InvalidJson, Lang::En) => "The input is not valid JSON.",
            (UnknownField, Lang::Fi) => "Tuntematon kenttä.",
            (UnknownField, Lang::Sv) => "Okänt fält.",
            (UnknownField, Lang::En) => "Unknown field.",
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem of one field: its path (`title.fi`, `schedule.rrule`, `municipalities[2]`), a stable
/// code, and a detail in English for logs and command-line reports (e.g. the offending value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub path: String,
    pub code: ProblemCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            self.path,
            self.code.message(Lang::En),
            self.code
        )?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// Deserialises a JSON value into `T`, naming the path of the first mismatch (unknown keys
/// included when `T` denies them).
pub fn from_json_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, FieldProblem> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| crate::listing::structural_problem(&e.path().to_string(), e.inner()))
}
