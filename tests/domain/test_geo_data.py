"""Cross-checks for market/data/provinces.json, the 31 provinces of Iran and their capitals.

Pure stdlib + pytest: the file is read straight from disk, no application code is imported.
"""

import json
import math
import re
from pathlib import Path

import pytest

DATA_FILE = Path(__file__).parents[2] / "market/data/provinces.json"

EXPECTED_CODES = {
    "alborz",
    "ardabil",
    "bushehr",
    "chaharmahal-bakhtiari",
    "east-azerbaijan",
    "fars",
    "gilan",
    "golestan",
    "hamadan",
    "hormozgan",
    "ilam",
    "isfahan",
    "kerman",
    "kermanshah",
    "khorasan-razavi",
    "khuzestan",
    "kohgiluyeh-boyer-ahmad",
    "kurdistan",
    "lorestan",
    "markazi",
    "mazandaran",
    "north-khorasan",
    "qazvin",
    "qom",
    "semnan",
    "sistan-baluchestan",
    "south-khorasan",
    "tehran",
    "west-azerbaijan",
    "yazd",
    "zanjan",
}
FIELDS = ("code", "name_en", "name_fa", "capital_en", "capital_fa", "lat", "lon")
TEXT_FIELDS = ("code", "name_en", "name_fa", "capital_en", "capital_fa")
PERSIAN_FIELDS = ("name_fa", "capital_fa")

# Iran's bounding box, degrees north / east.
LAT_MIN, LAT_MAX = 25.0, 39.8
LON_MIN, LON_MAX = 44.0, 63.4

# Second, independent source for the capitals' coordinates: Natural Earth 1:10m "populated places",
# v5.1.2 (public domain; nvkelso/natural-earth-vector, geojson/ne_10m_populated_places.geojson),
# the rows for the 31 provincial capitals (NE names them e.g. "Bandar-e-Abbas", "Shahrekord",
# "Urmia", "Yasuj"). Transcribed by hand from a stored copy of that dataset packed at 4 decimal
# places. Natural Earth is a different dataset from GeoNames, which the JSON was verified against,
# and NE rounds some towns to 0.01 degree, so agreement is only expected to within a few km.
NATURAL_EARTH_CAPITALS = {
    "alborz": (35.8023, 50.9681),  # Karaj
    "ardabil": (38.2500, 48.3000),  # Ardabil
    "bushehr": (28.9200, 50.8300),  # Bushehr ("Bandar-e Bushehr")
    "chaharmahal-bakhtiari": (32.3210, 50.8540),  # Shahrekord
    "east-azerbaijan": (38.0882, 46.2993),  # Tabriz
    "fars": (29.6319, 52.5681),  # Shiraz
    "gilan": (37.3000, 49.6300),  # Rasht
    "golestan": (36.8303, 54.4800),  # Gorgan
    "hamadan": (34.7960, 48.5150),  # Hamedan
    "hormozgan": (27.2041, 56.2721),  # Bandar Abbas
    "ilam": (33.6304, 46.4300),  # Ilam
    "isfahan": (32.7020, 51.6981),  # Isfahan
    "kerman": (30.3000, 57.0800),  # Kerman
    "kermanshah": (34.3820, 47.0581),  # Kermanshah
    "khorasan-razavi": (36.2720, 59.5681),  # Mashhad
    "khuzestan": (31.2819, 48.7181),  # Ahvaz
    "kohgiluyeh-boyer-ahmad": (30.6590, 51.5940),  # Yasuj
    "kurdistan": (35.3000, 47.0200),  # Sanandaj
    "lorestan": (33.4804, 48.3500),  # Khorramabad
    "markazi": (34.0804, 49.7000),  # Arak
    "mazandaran": (36.5504, 53.1000),  # Sari
    "north-khorasan": (37.4700, 57.3200),  # Bojnurd
    "qazvin": (36.2700, 50.0000),  # Qazvin
    "qom": (34.6520, 50.9481),  # Qom
    "semnan": (35.5548, 53.3743),  # Semnan
    "sistan-baluchestan": (29.5000, 60.8300),  # Zahedan
    "south-khorasan": (32.8800, 59.2199),  # Birjand
    "tehran": (35.6739, 51.4224),  # Tehran
    "west-azerbaijan": (37.5300, 45.0000),  # Urmia
    "yazd": (31.9201, 54.3700),  # Yazd
    "zanjan": (36.6700, 48.5000),  # Zanjan
}
MAX_DIFF_DEGREES = 0.25

# Persian (Arabic-script) letters, excluding digits and punctuation.
PERSIAN_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
ARABIC_YEH = "\u064a"  # ي — Persian uses ی (U+06CC)
ARABIC_KAF = "\u0643"  # ك — Persian uses ک (U+06A9)


def _load():
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


PROVINCES = _load()
BY_CODE = {p["code"]: p for p in PROVINCES}


def _haversine_km(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _capital(code):
    p = BY_CODE[code]
    return (p["lat"], p["lon"])


def test_file_is_utf8_json_with_trailing_newline():
    raw = DATA_FILE.read_bytes()
    text = raw.decode("utf-8")
    assert text.endswith("\n")
    assert "\\u" not in text, "Persian text should be stored as UTF-8, not \\u escapes"
    assert isinstance(json.loads(text), list)


def test_exactly_31_unique_codes():
    codes = [p["code"] for p in PROVINCES]
    assert len(PROVINCES) == 31
    assert len(set(codes)) == 31
    assert set(codes) == EXPECTED_CODES


def test_sorted_by_code():
    codes = [p["code"] for p in PROVINCES]
    assert codes == sorted(codes)


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p["code"])
def test_fields_present_and_non_empty(province):
    assert tuple(province) == FIELDS
    for field in TEXT_FIELDS:
        value = province[field]
        assert isinstance(value, str)
        assert value.strip() == value != ""
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", province["code"])


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p["code"])
def test_persian_names_use_persian_letters(province):
    for field in PERSIAN_FIELDS:
        value = province[field]
        assert PERSIAN_LETTER.search(value), f"{field} has no Persian letters: {value!r}"
        assert ARABIC_YEH not in value, f"{field} uses Arabic yeh: {value!r}"
        assert ARABIC_KAF not in value, f"{field} uses Arabic kaf: {value!r}"
        assert not re.search("[A-Za-z]", value)


def test_khorramabad_uses_zero_width_non_joiner():
    assert BY_CODE["lorestan"]["capital_fa"] == "خرم\u200cآباد"


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p["code"])
def test_coordinates_are_floats_with_at_most_4_decimals(province):
    for field in ("lat", "lon"):
        value = province[field]
        assert isinstance(value, float), f"{field} is {type(value).__name__}"
        assert round(value, 4) == value


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p["code"])
def test_capital_inside_iran_bounding_box(province):
    assert LAT_MIN <= province["lat"] <= LAT_MAX
    assert LON_MIN <= province["lon"] <= LON_MAX


def test_second_source_covers_every_province():
    assert set(NATURAL_EARTH_CAPITALS) == EXPECTED_CODES


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p["code"])
def test_capital_matches_natural_earth(province):
    ne_lat, ne_lon = NATURAL_EARTH_CAPITALS[province["code"]]
    assert abs(province["lat"] - ne_lat) <= MAX_DIFF_DEGREES, (province["lat"], ne_lat)
    assert abs(province["lon"] - ne_lon) <= MAX_DIFF_DEGREES, (province["lon"], ne_lon)


def test_haversine_sanity():
    assert _haversine_km((0.0, 0.0), (0.0, 0.0)) == 0.0
    assert _haversine_km((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111.2, abs=0.1)


def test_tehran_and_karaj_are_within_50_km():
    assert _haversine_km(_capital("tehran"), _capital("alborz")) < 50


def test_mashhad_is_east_of_tehran():
    assert _capital("khorasan-razavi")[1] > _capital("tehran")[1]


def test_bandar_abbas_is_south_of_shiraz():
    assert _capital("hormozgan")[0] < _capital("fars")[0]


def test_tabriz_is_north_west_of_tehran():
    tabriz, tehran = _capital("east-azerbaijan"), _capital("tehran")
    assert tabriz[0] > tehran[0]
    assert tabriz[1] < tehran[1]
