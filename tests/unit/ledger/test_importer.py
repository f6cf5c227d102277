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
        ("kind,title,artist\nvinyl,T,A\nvinyl,,A\n", r"line 3: invalid register data: title"),
        ("kind,title\ntape,T\n", r"line 2: invalid register data: kind must be one of"),
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
