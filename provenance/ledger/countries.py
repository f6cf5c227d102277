"""The country vocabulary: where a record was pressed or a print was struck.

A register event's ``country`` is one entry of this vocabulary, never free text (a free-text
field is one more place for a name or a phone number to slip into the public log). Three
kinds of entry:

* ISO 3166-1 alpha-2 codes (``US``, ``GB``, ``JP``), plus the exceptionally reserved ``UK``
  and ``EU`` and the withdrawn codes of countries records were pressed in (``SU``, ``YU``,
  ``DD``, ``CS``, ``ZR``, ``BU``, ``AN``) and ``XK`` (Kosovo, user-assigned but universal);
* the ISO 3166-1 English short names and the common names beside them, as the Debian
  ``iso-codes`` package 4.15.0 lists them (``/usr/share/iso-codes/json/iso_3166-1.json``:
  ``name`` and ``common_name``), and the usual English names ISO has since replaced
  (``Russia``, ``Czech Republic``, ``Turkey``, ``Swaziland``...);
* the names record catalogues use (Discogs' country list): regions (``Europe``, ``UK &
  Europe``, ``Scandinavia``, ``Benelux``, ``Worldwide``...) and countries that no longer exist
  (``USSR``, ``Yugoslavia``, ``West Germany``, ``East Germany``, ``Czechoslovakia``...).

Matching ignores case, accents, full stops, a leading "the", runs of spaces and "and" against
"&" (``u.s.a.`` finds ``USA``, ``cote d'ivoire`` finds ``Côte d'Ivoire``). The event stores
the vocabulary's own spelling of the entry that was typed: a code stays a code and a name a
name (``uk`` → ``UK``, ``united kingdom`` → ``United Kingdom``, ``gb`` → ``GB``), because
catalogues say "UK" where ISO says "GB" and the store's records should read as its staff
wrote them. Synonyms are not merged; nothing else is rewritten.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Final

from ..errors import InputError

__all__ = ["CATALOGUE_NAMES", "COUNTRIES", "ISO_3166_1", "canonical_country"]

#: ISO 3166-1 alpha-2 code → English short name (and common name), from iso-codes 4.15.0.
ISO_3166_1: Final[dict[str, tuple[str, ...]]] = {
    "AD": ("Andorra",),
    "AE": ("United Arab Emirates",),
    "AF": ("Afghanistan",),
    "AG": ("Antigua and Barbuda",),
    "AI": ("Anguilla",),
    "AL": ("Albania",),
    "AM": ("Armenia",),
    "AO": ("Angola",),
    "AQ": ("Antarctica",),
    "AR": ("Argentina",),
    "AS": ("American Samoa",),
    "AT": ("Austria",),
    "AU": ("Australia",),
    "AW": ("Aruba",),
    "AX": ("Åland Islands",),
    "AZ": ("Azerbaijan",),
    "BA": ("Bosnia and Herzegovina",),
    "BB": ("Barbados",),
    "BD": ("Bangladesh",),
    "BE": ("Belgium",),
    "BF": ("Burkina Faso",),
    "BG": ("Bulgaria",),
    "BH": ("Bahrain",),
    "BI": ("Burundi",),
    "BJ": ("Benin",),
    "BL": ("Saint Barthélemy",),
    "BM": ("Bermuda",),
    "BN": ("Brunei Darussalam",),
    "BO": ("Bolivia, Plurinational State of", "Bolivia"),
    "BQ": ("Bonaire, Sint Eustatius and Saba",),
    "BR": ("Brazil",),
    "BS": ("Bahamas",),
    "BT": ("Bhutan",),
    "BV": ("Bouvet Island",),
    "BW": ("Botswana",),
    "BY": ("Belarus",),
    "BZ": ("Belize",),
    "CA": ("Canada",),
    "CC": ("Cocos (Keeling) Islands",),
    "CD": ("Congo, The Democratic Republic of the",),
    "CF": ("Central African Republic",),
    "CG": ("Congo",),
    "CH": ("Switzerland",),
    "CI": ("Côte d'Ivoire",),
    "CK": ("Cook Islands",),
    "CL": ("Chile",),
    "CM": ("Cameroon",),
    "CN": ("China",),
    "CO": ("Colombia",),
    "CR": ("Costa Rica",),
    "CU": ("Cuba",),
    "CV": ("Cabo Verde",),
    "CW": ("Curaçao",),
    "CX": ("Christmas Island",),
    "CY": ("Cyprus",),
    "CZ": ("Czechia",),
    "DE": ("Germany",),
    "DJ": ("Djibouti",),
    "DK": ("Denmark",),
    "DM": ("Dominica",),
    "DO": ("Dominican Republic",),
    "DZ": ("Algeria",),
    "EC": ("Ecuador",),
    "EE": ("Estonia",),
    "EG": ("Egypt",),
    "EH": ("Western Sahara",),
    "ER": ("Eritrea",),
    "ES": ("Spain",),
    "ET": ("Ethiopia",),
    "FI": ("Finland",),
    "FJ": ("Fiji",),
    "FK": ("Falkland Islands (Malvinas)",),
    "FM": ("Micronesia, Federated States of",),
    "FO": ("Faroe Islands",),
    "FR": ("France",),
    "GA": ("Gabon",),
    "GB": ("United Kingdom",),
    "GD": ("Grenada",),
    "GE": ("Georgia",),
    "GF": ("French Guiana",),
    "GG": ("Guernsey",),
    "GH": ("Ghana",),
    "GI": ("Gibraltar",),
    "GL": ("Greenland",),
    "GM": ("Gambia",),
    "GN": ("Guinea",),
    "GP": ("Guadeloupe",),
    "GQ": ("Equatorial Guinea",),
    "GR": ("Greece",),
    "GS": ("South Georgia and the South Sandwich Islands",),
    "GT": ("Guatemala",),
    "GU": ("Guam",),
    "GW": ("Guinea-Bissau",),
    "GY": ("Guyana",),
    "HK": ("Hong Kong",),
    "HM": ("Heard Island and McDonald Islands",),
    "HN": ("Honduras",),
    "HR": ("Croatia",),
    "HT": ("Haiti",),
    "HU": ("Hungary",),
    "ID": ("Indonesia",),
    "IE": ("Ireland",),
    "IL": ("Israel",),
    "IM": ("Isle of Man",),
    "IN": ("India",),
    "IO": ("British Indian Ocean Territory",),
    "IQ": ("Iraq",),
    "IR": ("Iran, Islamic Republic of", "Iran"),
    "IS": ("Iceland",),
    "IT": ("Italy",),
    "JE": ("Jersey",),
    "JM": ("Jamaica",),
    "JO": ("Jordan",),
    "JP": ("Japan",),
    "KE": ("Kenya",),
    "KG": ("Kyrgyzstan",),
    "KH": ("Cambodia",),
    "KI": ("Kiribati",),
    "KM": ("Comoros",),
    "KN": ("Saint Kitts and Nevis",),
    "KP": ("Korea, Democratic People's Republic of", "North Korea"),
    "KR": ("Korea, Republic of", "South Korea"),
    "KW": ("Kuwait",),
    "KY": ("Cayman Islands",),
    "KZ": ("Kazakhstan",),
    "LA": ("Lao People's Democratic Republic", "Laos"),
    "LB": ("Lebanon",),
    "LC": ("Saint Lucia",),
    "LI": ("Liechtenstein",),
    "LK": ("Sri Lanka",),
    "LR": ("Liberia",),
    "LS": ("Lesotho",),
    "LT": ("Lithuania",),
    "LU": ("Luxembourg",),
    "LV": ("Latvia",),
    "LY": ("Libya",),
    "MA": ("Morocco",),
    "MC": ("Monaco",),
    "MD": ("Moldova, Republic of", "Moldova"),
    "ME": ("Montenegro",),
    "MF": ("Saint Martin (French part)",),
    "MG": ("Madagascar",),
    "MH": ("Marshall Islands",),
    "MK": ("North Macedonia",),
    "ML": ("Mali",),
    "MM": ("Myanmar",),
    "MN": ("Mongolia",),
    "MO": ("Macao",),
    "MP": ("Northern Mariana Islands",),
    "MQ": ("Martinique",),
    "MR": ("Mauritania",),
    "MS": ("Montserrat",),
    "MT": ("Malta",),
    "MU": ("Mauritius",),
    "MV": ("Maldives",),
    "MW": ("Malawi",),
    "MX": ("Mexico",),
    "MY": ("Malaysia",),
    "MZ": ("Mozambique",),
    "NA": ("Namibia",),
    "NC": ("New Caledonia",),
    "NE": ("Niger",),
    "NF": ("Norfolk Island",),
    "NG": ("Nigeria",),
    "NI": ("Nicaragua",),
    "NL": ("Netherlands",),
    "NO": ("Norway",),
    "NP": ("Nepal",),
    "NR": ("Nauru",),
    "NU": ("Niue",),
    "NZ": ("New Zealand",),
    "OM": ("Oman",),
    "PA": ("Panama",),
    "PE": ("Peru",),
    "PF": ("French Polynesia",),
    "PG": ("Papua New Guinea",),
    "PH": ("Philippines",),
    "PK": ("Pakistan",),
    "PL": ("Poland",),
    "PM": ("Saint Pierre and Miquelon",),
    "PN": ("Pitcairn",),
    "PR": ("Puerto Rico",),
    "PS": ("Palestine, State of",),
    "PT": ("Portugal",),
    "PW": ("Palau",),
    "PY": ("Paraguay",),
    "QA": ("Qatar",),
    "RE": ("Réunion",),
    "RO": ("Romania",),
    "RS": ("Serbia",),
    "RU": ("Russian Federation",),
    "RW": ("Rwanda",),
    "SA": ("Saudi Arabia",),
    "SB": ("Solomon Islands",),
    "SC": ("Seychelles",),
    "SD": ("Sudan",),
    "SE": ("Sweden",),
    "SG": ("Singapore",),
    "SH": ("Saint Helena, Ascension and Tristan da Cunha",),
    "SI": ("Slovenia",),
    "SJ": ("Svalbard and Jan Mayen",),
    "SK": ("Slovakia",),
    "SL": ("Sierra Leone",),
    "SM": ("San Marino",),
    "SN": ("Senegal",),
    "SO": ("Somalia",),
    "SR": ("Suriname",),
    "SS": ("South Sudan",),
    "ST": ("Sao Tome and Principe",),
    "SV": ("El Salvador",),
    "SX": ("Sint Maarten (Dutch part)",),
    "SY": ("Syrian Arab Republic", "Syria"),
    "SZ": ("Eswatini",),
    "TC": ("Turks and Caicos Islands",),
    "TD": ("Chad",),
    "TF": ("French Southern Territories",),
    "TG": ("Togo",),
    "TH": ("Thailand",),
    "TJ": ("Tajikistan",),
    "TK": ("Tokelau",),
    "TL": ("Timor-Leste",),
    "TM": ("Turkmenistan",),
    "TN": ("Tunisia",),
    "TO": ("Tonga",),
    "TR": ("Türkiye",),
    "TT": ("Trinidad and Tobago",),
    "TV": ("Tuvalu",),
    "TW": ("Taiwan, Province of China", "Taiwan"),
    "TZ": ("Tanzania, United Republic of", "Tanzania"),
    "UA": ("Ukraine",),
    "UG": ("Uganda",),
    "UM": ("United States Minor Outlying Islands",),
    "US": ("United States",),
    "UY": ("Uruguay",),
    "UZ": ("Uzbekistan",),
    "VA": ("Holy See (Vatican City State)",),
    "VC": ("Saint Vincent and the Grenadines",),
    "VE": ("Venezuela, Bolivarian Republic of", "Venezuela"),
    "VG": ("Virgin Islands, British",),
    "VI": ("Virgin Islands, U.S.",),
    "VN": ("Viet Nam", "Vietnam"),
    "VU": ("Vanuatu",),
    "WF": ("Wallis and Futuna",),
    "WS": ("Samoa",),
    "YE": ("Yemen",),
    "YT": ("Mayotte",),
    "ZA": ("South Africa",),
    "ZM": ("Zambia",),
    "ZW": ("Zimbabwe",),
}

# Codes outside the current list that catalogues and old sleeves use.
_EXTRA_CODES: Final = ("UK", "EU", "SU", "YU", "DD", "CS", "ZR", "BU", "AN", "XK")

# English names ISO has replaced or never used, still what people type.
_ENGLISH: Final = (
    "Bosnia", "Brunei", "Burma", "Cape Verde", "Czech Republic", "DR Congo", "Great Britain",
    "Holland", "Ivory Coast", "Kosovo", "Macau", "Macedonia", "Micronesia", "Palestine",
    "Russia", "Saint Martin", "Sint Maarten", "Swaziland", "Turkey", "UAE", "Vatican City",
    "East Timor", "England", "Scotland", "Wales", "Northern Ireland", "Korea",
)  # fmt: skip

#: Names record catalogues use for regions and for countries that no longer exist.
CATALOGUE_NAMES: Final = (
    "UK", "USA", "US", "Europe", "Worldwide", "Scandinavia", "Benelux",
    "UK & Europe", "UK & Ireland", "UK & US", "UK, Europe & US", "USA & Canada", "USA & Europe",
    "Europe & US", "France & Benelux", "Germany, Austria, & Switzerland",
    "Australia & New Zealand", "Australasia", "North America", "South America",
    "Central America", "Latin America", "Africa", "Asia", "Middle East",
    "Gulf Cooperation Council", "USSR", "Soviet Union", "Yugoslavia", "West Germany",
    "East Germany", "German Democratic Republic (GDR)", "Czechoslovakia",
    "Serbia and Montenegro", "Rhodesia", "Ceylon", "Dahomey", "Upper Volta",
    "Netherlands Antilles", "Dutch East Indies", "Belgian Congo", "Austria-Hungary",
)  # fmt: skip

#: Every spelling the vocabulary holds.
COUNTRIES: Final[frozenset[str]] = frozenset(
    (*ISO_3166_1, *_EXTRA_CODES, *(n for names in ISO_3166_1.values() for n in names),
     *_ENGLISH, *CATALOGUE_NAMES)
)  # fmt: skip

_SPACES: Final = re.compile(r"\s+")
_AND: Final = re.compile(r"\s+and\s+")


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = _SPACES.sub(" ", plain.casefold().replace(".", "")).strip()
    key = _AND.sub(" & ", key)
    return key.removeprefix("the ")


_BY_KEY: Final[dict[str, str]] = {_key(name): name for name in sorted(COUNTRIES)}


def canonical_country(text: str) -> str:
    """The vocabulary's spelling of ``text``; raise :class:`InputError` if it is not in it."""
    if text in COUNTRIES:  # typed as the vocabulary spells it: the common case, and cheap
        return text
    found = _BY_KEY.get(_key(text))
    if found is not None:
        return found
    hint = difflib.get_close_matches(_key(text), _BY_KEY, n=1, cutoff=0.8)
    suggestion = f" (did you mean {_BY_KEY[hint[0]]!r}?)" if hint else ""
    raise InputError(
        "not a country or region in the vocabulary: give an ISO 3166 code (US, GB, JP), an "
        f"English name (Japan) or a catalogue region (Europe, UK & Europe){suggestion}"
    )
