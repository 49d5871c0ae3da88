"""Other names of banks: renamed and merged banks, and names people write (standard library).

The register names in ``banks.csv`` are those of the State Bank's BIN list as at
31/12/2023; banks renamed since then keep their BIN (vietqr-spec §13). Each alias names
the BIN it stands for, when the name came into use (as far as a source says) and that
source; the banks README has the same table. An alias is matched like any other name
(accents, case, spaces, "Ngân hàng" and "TMCP" ignored), after BINs, codes and short names.

>>> sorted(alias for alias, bin, *_ in ALIASES if bin == "970414")
['MBV', 'Ngân hàng Việt Nam Hiện Đại']
"""

from __future__ import annotations

__all__ = ["ALIASES"]

_RENAMES_2025 = (
    "vietbao.vn 10/10/2025 (SBV review of the four banks under mandatory transfer); "
    "antt.vn 18/02/2025"
)

#: (alias, BIN, since, source)
ALIASES: tuple[tuple[str, str, str, str], ...] = (
    # OceanBank: transferred to MB on 17/10/2024, renamed MBV (Việt Nam Hiện Đại) in 2025.
    ("MBV", "970414", "2025", _RENAMES_2025),
    ("Ngân hàng Việt Nam Hiện Đại", "970414", "2025", _RENAMES_2025),
    # DongA Bank: transferred to HDBank on 17/01/2025, renamed Vikki Bank in 02/2025.
    ("Vikki", "970406", "02/2025", _RENAMES_2025),
    ("Ngân hàng số Vikki", "970406", "02/2025", _RENAMES_2025),
    # CB (Xây Dựng): transferred to Vietcombank, renamed VCBNeo in 2025.
    ("VCBNeo", "970444", "2025", _RENAMES_2025),
    ("Ngân hàng Ngoại thương Công nghệ số", "970444", "2025", _RENAMES_2025),
    # GPBank: transferred to VPBank on 17/01/2025, renamed Kỷ nguyên Thịnh vượng (still GPBank).
    ("Ngân hàng Kỷ nguyên Thịnh vượng", "970408", "2025", _RENAMES_2025),
    # Viet Capital Bank (Bản Việt) trades as BVBank; the date is not in a source read here.
    (
        "BVBank",
        "970454",
        "date not confirmed",
        "xuannghia/vietnam-qr-pay commit 'VietCapitalBank has changed to BVBank' (vietqr-spec §13)",
    ),
    # LienVietPostBank (Bưu Điện Liên Việt): renamed LPBank (Lộc Phát) after the 2023 register.
    ("LienVietPostBank", "970449", "register name until 2023", "SBV BIN list 31/12/2023"),
    (
        "Ngân hàng Lộc Phát Việt Nam",
        "970449",
        "2023-2024",
        "vietqr.io, xuannghia (vietqr-spec §13)",
    ),
)
