"""CSV registration: rows to validated payloads, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.errors import InputError
from provenance.ledger.importer import read_register_csv

HEADER = "kind,title,artist,label,catalog_number,matrix_a,matrix_b,country,year,gauge,reels\n"


def _csv(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "stock.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_rows_become_register_payloads(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        HEADER
        + "vinyl,Pet Sounds,The Beach Boys,Capitol,T 2458,T1-2458-F4,T2-2458-F4,US,1966,,\n"
        + "\n"  # blank lines are skipped
        + "film, The Third Man ,,,,,,,1949,16mm,3\n",
    )
    rows = read_register_csv(path)
    assert rows == [
        {
            "kind": "vinyl",
            "title": "Pet Sounds",
            "artist": "The Beach Boys",
            "label": "Capitol",
            "catalog_number": "T 2458",
            "matrix": {"A": "T1-2458-F4", "B": "T2-2458-F4"},
            "country": "US",
            "year": 1966,
            "photos": [],
        },
        {
            "kind": "film",
            "title": "The Third Man",
            "year": 1949,
            "gauge": "16mm",
            "reels": 3,
            "photos": [],
        },
    ]


def test_runout_columns_describe_a_side(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "kind,title,artist,matrix_a,runout_a_made,runout_a_engineer,runout_a_plant,"
        "runout_a_marks,matrix_b\n"
        'vinyl,Blue Train,John Coltrane,BN-LP-1577-A,Etched,RVG,ear," P | 9M ",BN-LP-1577-B\n',
    )
    assert read_register_csv(path)[0]["matrix"] == {
        "A": {
            "text": "BN-LP-1577-A",
            "made": "etched",
            "engineer": "RVG",
            "plant": "ear",
            "marks": ["P", "9M"],
        },
        "B": "BN-LP-1577-B",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "kind,title,artist,runout_a_made\nvinyl,T,A,etched\n",
            r"line 2: runout_a_\*: needs matrix_a",
        ),
        (
            "kind,title,artist,matrix_a,runout_a_made\nvinyl,T,A,X,carved\n",
            r"line 2: matrix\.A\.side\.made: Input should be 'stamped', 'etched' or 'mixed'",
        ),
        ("kind,title,runout_a_colour\nvinyl,T\n", r"line 1: unknown column\(s\) runout_a_colour"),
    ],
)
def test_runout_column_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_register_csv(_csv(tmp_path, text))


def test_byte_order_mark_and_header_case(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeffKind, Title ,Artist\nvinyl,Blue,Joni Mitchell\n")
    assert read_register_csv(path)[0]["title"] == "Blue"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"stock\.csv is empty"),
        ("kind,title\n", r"has a header but no rows"),
        ("kind,title,colour\nvinyl,T,red\n", r"line 1: unknown column\(s\) colour"),
        ("kind,artist\nvinyl,A\n", r"line 1: the header needs at least 'kind' and 'title'"),
        ("kind,title,title\nvinyl,T,U\n", r"line 1: a column appears twice"),
        ("kind,title\nvinyl,T,extra\n", r"line 2: 3 cells, the header has 2"),
        (
            "kind,title,artist,year\nvinyl,T,A,1957\nvinyl,U,A,c. 1960\n",
            r"line 3: year: 'c\. 1960' is not",
        ),
        ("kind,title,artist\nvinyl,T,A\nvinyl,,A\n", r"line 3: title: Field required$"),
        ("kind,title\ntape,T\n", r"line 2: kind: must be one of vinyl, film$"),
        ("kind,title,artist\nvinyl,T,mail a@b.example\n", r"line 2: .*e-mail address"),
        ('kind,title\nvinyl,"unterminated\n', r"line \d+: "),
    ],
)
def test_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_register_csv(_csv(tmp_path, text))


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file: .*missing\.csv"):
        read_register_csv(tmp_path / "missing.csv")
    with pytest.raises(InputError, match=r"stock\.csv is not UTF-8 text"):
        read_register_csv(_csv(tmp_path, "kind,title\nvinyl,Café\n", encoding="latin-1"))
    with pytest.raises(InputError, match=r"cannot read .*: Is a directory"):
        read_register_csv(tmp_path)


#: (column, value, the field and problem the error must name); each goes in line 3 of a CSV
#: whose line 2 is fine, so the message must name the right line too.
ROWS = [
    ("title", "jane.doe@example.com", "title: looks like an e-mail address"),
    ("artist", "jane dot doe at example dot com", "artist: looks like an e-mail address"),
    ("label", "Blue Note (555) 123-4567", "label: looks like a phone number"),
    ("catalog_number", "jane@example.com", "catalog_number: may hold only letters"),
    ("catalog_number", "+44 20 7946 0958", "catalog_number: looks like a phone number"),
    ("catalog_number", "BLP_1577", "catalog_number: may hold only .*, not _"),
    ("matrix_a", "BN-LP-1577-A call 020/7946/0958", "matrix.A.text: looks like a phone number"),
    ("matrix_b", "jane [at] example [dot] com", "matrix.B.text: looks like an e-mail address"),
    ("country", "Narnia", "country: not a country or region in the vocabulary"),
    ("country", "jane@example.com", "country: not a country or region"),
    ("year", "1733097600", "year: Input should be less than or equal to 2100"),
    ("barcode", "12345678901", "barcode: is not an EAN/UPC barcode: 8, 12, 13 or 14 digits"),
    ("barcode", "0044207946095", "barcode: looks like a phone number"),
    ("edition", "ring O2O 7946 O958", "edition: looks like a phone number"),
]


@pytest.mark.parametrize(("column", "value", "problem"), ROWS)
def test_refused_rows_name_file_line_and_field(
    tmp_path: Path, column: str, value: str, problem: str
) -> None:
    header = (
        f"kind,title,artist,{column}" if column not in ("title", "artist") else "kind,title,artist"
    )
    good = {"kind": "vinyl", "title": "Blue Train", "artist": "John Coltrane", column: value}
    first = {**good, column: _fine(column)}
    names = header.split(",")
    text = header + "\n" + ",".join(first[n] for n in names) + "\n"
    text += ",".join(_cell(good[n]) for n in names) + "\n"
    with pytest.raises(InputError, match=rf"^{tmp_path}/stock\.csv line 3: {problem}"):
        read_register_csv(_csv(tmp_path, text))


def _fine(column: str) -> str:
    return {
        "catalog_number": "BLP 1577",
        "matrix_a": "BN-LP-1577-A",
        "matrix_b": "BN-LP-1577-B",
        "country": "US",
        "year": "1957",
        "barcode": "4006381333931",
    }.get(column, "Fine Text")


def _cell(value: str) -> str:
    return f'"{value}"' if "," in value else value


def test_catalogue_rows_are_kept_and_normalised(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "kind,title,artist,catalog_number,matrix_a,country,year,barcode\n"
        "vinyl,Blue Train,John Coltrane,BLP 1577,BN-LP-1577-A  RVG  ear,us,1957,0 36000 29145 2\n"
        "vinyl,Unknown Pleasures,Joy Division,FACT 10,A1 / B1,west germany,1979,\n"
        "vinyl,1733097600,Artist,XXLP 12/34,ST-A-1234,UK & Europe,1972,\n",
    )
    rows = read_register_csv(path)
    assert [r["country"] for r in rows] == ["US", "West Germany", "UK & Europe"]
    assert rows[0]["barcode"] == "036000291452"
    assert rows[0]["matrix"] == {"A": "BN-LP-1577-A  RVG  ear"}
    assert rows[2]["title"] == "1733097600"  # a bare long number is not a phone number
