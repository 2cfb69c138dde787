"""Distances between Dutch postcodes, by postcode area (PC2).

This is a **PC2 approximation**: a postcode is reduced to its first two
digits (the area, 10 to 99) and each area to one centroid, the rough centre
of where its people live. Distances between two places are therefore good to
about ±10–15 km, which is what matching needs to tell "down the road" from
"the other end of the country" for on-site visits, and nothing more. The
coordinates are rounded to two decimals on purpose: they are areas, not
addresses. A PC4 table (about 4,000 rows) would be the next step if the
ranking ever needs finer distances.
"""

from __future__ import annotations

import math
import re

EARTH_RADIUS_KM = 6371.0

# Approximate population centroid (latitude, longitude) per postcode area.
PC2_CENTROIDS: dict[int, tuple[float, float]] = {
    10: (52.37, 4.90),  # Amsterdam
    11: (52.31, 4.92),  # Amsterdam-Zuidoost, Amstelveen, Diemen
    12: (52.22, 5.17),  # Hilversum, Het Gooi
    13: (52.37, 5.22),  # Almere
    14: (52.50, 4.96),  # Purmerend, Waterland
    15: (52.45, 4.81),  # Zaanstad
    16: (52.65, 5.07),  # Hoorn, Enkhuizen
    17: (52.80, 4.80),  # Den Helder, Heerhugowaard, Schagen
    18: (52.63, 4.75),  # Alkmaar
    19: (52.49, 4.66),  # Beverwijk, Heemskerk, Castricum
    20: (52.38, 4.64),  # Haarlem
    21: (52.31, 4.64),  # Hoofddorp, Heemstede, Lisse
    22: (52.22, 4.44),  # Noordwijk, Katwijk
    23: (52.16, 4.49),  # Leiden
    24: (52.13, 4.66),  # Alphen aan den Rijn
    25: (52.07, 4.30),  # Den Haag
    26: (52.01, 4.36),  # Delft, Rijswijk
    27: (52.06, 4.49),  # Zoetermeer
    28: (52.02, 4.71),  # Gouda
    29: (51.91, 4.58),  # Capelle, Krimpen, Ridderkerk
    30: (51.92, 4.48),  # Rotterdam
    31: (51.91, 4.35),  # Schiedam, Vlaardingen, Maassluis
    32: (51.84, 4.27),  # Spijkenisse, Voorne-Putten
    33: (51.80, 4.67),  # Dordrecht, Zwijndrecht
    34: (52.03, 5.05),  # Nieuwegein, IJsselstein, Woerden
    35: (52.09, 5.12),  # Utrecht
    36: (52.14, 5.03),  # Maarssen, Breukelen
    37: (52.12, 5.25),  # Zeist, De Bilt, Baarn
    38: (52.16, 5.39),  # Amersfoort
    39: (52.02, 5.52),  # Veenendaal, Rhenen
    40: (51.89, 5.33),  # Tiel
    41: (51.93, 5.16),  # Culemborg, Leerdam, Geldermalsen
    42: (51.83, 4.97),  # Gorinchem
    43: (51.65, 3.92),  # Schouwen-Duiveland
    44: (51.50, 3.89),  # Goes, Zuid-Beveland
    45: (51.31, 3.85),  # Zeeuws-Vlaanderen
    46: (51.49, 4.29),  # Bergen op Zoom
    47: (51.53, 4.46),  # Roosendaal
    48: (51.59, 4.78),  # Breda
    49: (51.64, 4.86),  # Oosterhout
    50: (51.56, 5.09),  # Tilburg
    51: (51.65, 5.04),  # Waalwijk, Dongen
    52: (51.69, 5.30),  # 's-Hertogenbosch
    53: (51.78, 5.45),  # Oss, Zaltbommel
    54: (51.65, 5.60),  # Uden, Veghel
    55: (51.39, 5.44),  # Veldhoven, Valkenswaard
    56: (51.44, 5.48),  # Eindhoven
    57: (51.48, 5.66),  # Helmond
    58: (51.55, 5.95),  # Venray, Boxmeer
    59: (51.37, 6.17),  # Venlo
    60: (51.25, 5.70),  # Weert
    61: (51.02, 5.86),  # Sittard-Geleen
    62: (50.85, 5.69),  # Maastricht
    63: (50.87, 5.84),  # Valkenburg, Heuvelland
    64: (50.88, 5.98),  # Heerlen, Kerkrade
    65: (51.84, 5.86),  # Nijmegen
    66: (51.84, 5.71),  # Wijchen, Druten
    67: (52.03, 5.67),  # Ede, Wageningen
    68: (51.98, 5.91),  # Arnhem
    69: (51.93, 6.07),  # Zevenaar, Duiven
    70: (51.96, 6.29),  # Doetinchem
    71: (51.95, 6.62),  # Winterswijk, Aalten
    72: (52.14, 6.20),  # Zutphen, Lochem
    73: (52.21, 5.96),  # Apeldoorn
    74: (52.25, 6.16),  # Deventer
    75: (52.22, 6.89),  # Enschede, Hengelo
    76: (52.36, 6.66),  # Almelo
    77: (52.57, 6.55),  # Hardenberg, Ommen
    78: (52.78, 6.90),  # Emmen
    79: (52.71, 6.38),  # Hoogeveen, Meppel
    80: (52.51, 6.09),  # Zwolle
    81: (52.39, 6.22),  # Raalte, Heerde
    82: (52.52, 5.58),  # Lelystad, Kampen
    83: (52.71, 5.75),  # Emmeloord, Urk
    84: (52.96, 5.92),  # Heerenveen
    85: (52.90, 5.70),  # Joure, Lemmer
    86: (53.03, 5.66),  # Sneek
    87: (53.00, 5.45),  # Bolsward, Workum
    88: (53.17, 5.43),  # Franeker, Harlingen
    89: (53.20, 5.80),  # Leeuwarden
    90: (53.13, 5.86),  # Grou, Earnewâld
    91: (53.32, 6.00),  # Dokkum
    92: (53.11, 6.10),  # Drachten
    93: (53.13, 6.40),  # Roden, Leek
    94: (52.99, 6.56),  # Assen
    95: (52.99, 6.95),  # Stadskanaal
    96: (53.16, 6.78),  # Hoogezand, Veendam
    97: (53.22, 6.57),  # Groningen
    98: (53.27, 6.40),  # Zuidhorn, Westerkwartier
    99: (53.32, 6.86),  # Delfzijl, Appingedam
}

_POSTCODE_RE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$")


def normalize_postcode(value: str) -> str:
    """``"3511ab"`` -> ``"3511 AB"``; four digits alone stay four digits; anything else -> ``""``."""
    match = _POSTCODE_RE.match(value or "")
    if not match:
        return ""
    digits, letters = match.groups()
    return f"{digits} {letters.upper()}" if letters else digits


def postcode_area(value: str) -> int | None:
    """The PC2 area (10..99) of a postcode or a two-digit region, or None when unknown."""
    digits = (value or "").strip()[:2]
    if len(digits) == 2 and digits.isdigit() and int(digits) in PC2_CENTROIDS:
        return int(digits)
    return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def area_distance_km(a: str, b: str) -> float | None:
    """Approximate distance between two postcodes (or PC2 regions); None when either is unknown.

    Two places in the same area count as 0 km: within an area the table
    cannot tell them apart.
    """
    first, second = postcode_area(a), postcode_area(b)
    if first is None or second is None:
        return None
    return haversine_km(PC2_CENTROIDS[first], PC2_CENTROIDS[second])
