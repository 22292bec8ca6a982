"""Expected values transcribed from regulations.md (art. 104-107), independent of the TOML."""

# Signed points per occurrence, transcribed from regulations.md (art. 104-107).
REGULATIONS_POINTS = {
    "R5": 10, "R6": 5, "R7": 5,
    "P1": -2, "P2": -1, "P3": -2, "P4": -2, "P5": -1, "P6": -1, "P7": -1,
    "P8": -2, "P9": -2, "P10": -1, "P11": -2, "P12": -2, "P13": -2, "P14": -2,
    "S1": -5, "S2": -5, "S3": -10, "S4": -5, "S5": -5, "S6": -10, "S7": -5, "S8": -5,
    "S9": -5, "S10": -5, "S11": -10,
    "G1": 0, "G2": 0, "G3": 0, "G4": 0, "G5": 0, "G6": 0, "G7": 0, "G8": -20, "G9": 0,
    "G10": 0, "G11": -10, "G12": -20, "G13": 0,
}  # fmt: skip
ZEROING = {"G5", "G6", "G10", "G13"}
TERMINATION_REVIEW = {"G1", "G2", "G3", "G4", "G6", "G7", "G8", "G9", "G10", "G12", "G13"}
DISQUALIFYING = {f"S{i}" for i in range(1, 12)}
