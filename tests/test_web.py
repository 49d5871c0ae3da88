"""cashless.web: every page and form over HTTP (Starlette's TestClient, a real SQLite file).

The market database is made by the library (`init_market`), photos are rendered cards
(`card_png`, with their card code) and bare QR codes; every verdict is read back from the
database the page wrote.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("zxingcpp")

from office_page import TestClient, csrf_of

from cashless.stalls.card import card_png
from cashless.stalls.market import open_market
from cashless.stalls.qr import make_qr, to_image
from cashless.web import create_app
from cashless.web.access import Lockout, csrf_token, is_loopback, same_code

pytestmark = pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
STALLS = ROOT / "examples" / "stalls.csv"
CODE = "24681357"


_csrf = csrf_of


def _nonce(html: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _card_photo(db: str, stall_id: str) -> bytes:
    with open_market(db) as market:
        stall = market.registry()[stall_id]
        code = market.card_codes()[stall_id]
    return _png(card_png(stall, dpi=150, card_code=code))


def _qr_photo(db: str, stall_id: str) -> bytes:
    with open_market(db) as market:
        payload = market.registry()[stall_id].payload
    return _png(to_image(make_qr(payload), scale=6))


def _check(client: TestClient, files, **fields):
    page = client.get("/check")
    data = {"csrf": _csrf(page.text), "nonce": _nonce(page.text), **fields}
    return client.post("/check", data=data, files=files), data


def _checks(db: str):
    with open_market(db) as market:
        return market.checks()


# --- the pages ---------------------------------------------------------------------------


def test_every_page_answers_in_vietnamese_first(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/check"
    for path, words in [
        ("/registry", "Sổ quầy"),
        ("/print", "In thẻ quầy"),
        ("/check", "Kiểm tra mã ở quầy"),
        ("/audit", "Nhật ký kiểm tra"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert words in response.text
        assert response.headers["x-frame-options"] == "DENY"
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert client.get("/no-such-page").status_code == 404


def test_the_english_switch_is_remembered(client: TestClient) -> None:
    response = client.get("/lang/en?next=/audit")
    assert response.status_code == 200 and "Check log" in response.text
    assert "Stall registry" in client.get("/registry").text
    assert "Sổ quầy" in client.get("/lang/vi?next=/registry").text
    assert (
        client.get("/lang/en?next=//evil.example", follow_redirects=False).headers["location"]
        == "/"
    )


def test_the_check_form_asks_for_the_camera(client: TestClient) -> None:
    html = client.get("/check").text
    field = re.search(r"<input[^>]*name=\"photos\"[^>]*>", html)
    assert field
    for attribute in ('type="file"', 'accept="image/*"', 'capture="environment"', "multiple"):
        assert attribute in field.group(0)


def test_without_a_market_the_registry_page_creates_it(tmp_path: Path) -> None:
    db = tmp_path / "new" / "market.db"
    with TestClient(create_app(str(db))) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/registry"
        assert client.get("/check").status_code == 409
        assert client.get("/audit").status_code == 409
        page = client.get("/registry")
        response = client.post(
            "/registry",
            data={"csrf": _csrf(page.text)},
            files={"registry": ("stalls.csv", STALLS.read_bytes(), "text/csv")},
        )
        assert response.status_code == 200
        assert "đã tạo chợ" in response.text
    with open_market(str(db)) as market:
        assert len(market.registry()) == 60
        (version,) = market.versions()
        assert version.source.endswith("-stalls.csv") and Path(version.source).is_file()


# --- registry ----------------------------------------------------------------------------


def test_registry_problems_by_line_and_column_and_nothing_imported(
    client: TestClient, db: str
) -> None:
    bad = (
        "Số quầy;Tên quầy;Chủ tài khoản;Ngân hàng;Số tài khoản\n"
        "A01;Rau;Lan;VCB;0011001234567\n"
        "A02;Thịt;Hà;No Such Bank;123\n"
        "A03;Cá;Mai;ACB;\n"
    )
    page = client.get("/registry")
    response = client.post(
        "/registry",
        data={"csrf": _csrf(page.text)},
        files={"registry": ("so-quay.csv", bad.encode("utf-8"), "text/csv")},
    )
    assert response.status_code == 422
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td>", response.text)
    assert ("3", "Ngân hàng") in rows and ("4", "Số tài khoản") in rows
    assert "2 lỗi" in response.text
    with open_market(db) as market:
        assert market.current_version() == 1


def test_a_fixed_registry_becomes_a_new_version_with_its_diff(client: TestClient, db: str) -> None:
    lines = STALLS.read_text(encoding="utf-8").splitlines()
    changed = "\n".join([*lines[:-1], lines[-1].replace(lines[-1].split(",")[1], "Đổi tên")])
    page = client.get("/registry")
    response = client.post(
        "/registry",
        data={"csrf": _csrf(page.text)},
        files={"registry": ("stalls.csv", changed.encode("utf-8"), "text/csv")},
    )
    assert response.status_code == 200
    assert "sổ quầy phiên bản 2" in response.text
    last = lines[-1].split(",")[0]
    assert f"đổi {last}" in response.text  # the diff, in the versions table
    again = client.post(
        "/registry",
        data={"csrf": _csrf(response.text)},
        files={"registry": ("stalls.csv", changed.encode("utf-8"), "text/csv")},
    )
    assert "không đổi (phiên bản 2)" in again.text
    with open_market(db) as market:
        assert market.current_version() == 2


def test_the_template_downloads_and_an_xlsx_filled_in_imports(client: TestClient, db: str) -> None:
    from openpyxl import load_workbook

    response = client.get("/registry/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.cell(1, 1).value == "Số quầy"
    sheet.append(
        ["Quầy z09", "Trái cây", "Nguyễn Thị Hoàng Phương Thảo", "BVBank", "1010 2020 3030"]
    )
    filled = io.BytesIO()
    book.save(filled)
    page = client.get("/registry")
    response = client.post(
        "/registry",
        data={"csrf": _csrf(page.text)},
        files={"registry": ("mau.xlsx", filled.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text[-2000:]
    assert "thay đổi so với tệp" in response.text  # the notes: id, account, name shortened
    with open_market(db) as market:
        assert [s.stall_id for s in market.registry()] == ["Z09"]


def test_registry_upload_without_a_file(client: TestClient) -> None:
    page = client.get("/registry")
    response = client.post("/registry", data={"csrf": _csrf(page.text)})
    assert response.status_code == 400 and "Chọn một tệp" in response.text


# --- security ------------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, db: str) -> None:
    photo = _card_photo(db, "A01")
    for data in ({}, {"csrf": "forged-token-forged-token"}):
        response = client.post("/check", data=data, files={"photos": ("a.png", photo)})
        assert response.status_code == 403
        assert "hết hạn hoặc không hợp lệ" in response.text
    response = client.post("/registry", data={}, files={"registry": ("s.csv", STALLS.read_bytes())})
    assert response.status_code == 403
    assert client.post("/print", data={"paper": "A4"}).status_code == 403
    assert _checks(db) == []


def test_a_form_from_another_origin_is_refused(client: TestClient, db: str) -> None:
    page = client.get("/check")
    response = client.post(
        "/check",
        data={"csrf": _csrf(page.text), "nonce": "x"},
        files={"photos": ("a.png", _card_photo(db, "A01"))},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403 and _checks(db) == []


def test_an_oversize_upload_is_refused_before_it_is_read(db: str) -> None:
    with TestClient(create_app(db, max_upload_bytes=40_000)) as client:
        page = client.get("/check")
        response = client.post(
            "/check",
            data={"csrf": _csrf(page.text), "nonce": _nonce(page.text)},
            files={"photos": ("big.png", b"\x89PNG" + b"0" * 60_000)},
        )
        assert response.status_code == 413
        assert "quá lớn (tối đa 1 MB" in response.text
        # streamed without a declared length, the limit still holds
        chunks = iter([b"x" * 30_000, b"y" * 30_000])
        response = client.post(
            "/check",
            content=chunks,
            headers={"content-type": "multipart/form-data; boundary=zz"},
        )
        assert response.status_code == 413
    assert _checks(db) == []


def test_bound_elsewhere_every_page_needs_the_access_code(db: str) -> None:
    with TestClient(create_app(db, access_code=CODE)) as client:
        cookie = client.get("/audit").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        for path in (
            "/",
            "/audit",
            "/audit.csv",
            "/audit.xlsx",
            "/registry",
            "/print",
            "/print/preview.png?stall=A01",
            "/check",
            "/registry/template.xlsx",
        ):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 401, path
            assert 'name="code"' in response.text
            assert "A01" not in response.text and CODE not in response.text
            assert response.headers["content-type"].startswith("text/html")
        # a post without the code is refused the same way, and logs nothing
        response = client.post("/check", files={"photos": ("a.png", _card_photo(db, "A01"))})
        assert response.status_code == 401 and _checks(db) == []
        page = client.get("/access")
        wrong = client.post("/access", data={"csrf": _csrf(page.text), "code": "11111111"})
        assert wrong.status_code == 401 and "Còn 4 lần thử" in wrong.text
        right = client.post(
            "/access",
            data={"csrf": _csrf(page.text), "code": f"{CODE[:4]} {CODE[4:]}", "next": "/audit"},
            follow_redirects=False,
        )
        assert right.status_code == 303 and right.headers["location"] == "/audit"
        assert client.get("/audit").status_code == 200  # once per device
        assert "A01" in client.get("/audit").text
    with TestClient(create_app(db, access_code=CODE)) as other_device:
        assert other_device.get("/audit").status_code == 401


def test_the_access_code_page_takes_the_code_from_the_scanned_link(db: str) -> None:
    with TestClient(create_app(db, access_code=CODE)) as client:
        page = client.get(f"/access?code={CODE}")
        assert f'value="{CODE}"' in page.text


def test_repeated_wrong_codes_lock_the_device_out(db: str) -> None:
    with TestClient(create_app(db, access_code=CODE)) as client:
        token = _csrf(client.get("/access").text)
        statuses = [
            client.post("/access", data={"csrf": token, "code": f"0000000{n}"}).status_code
            for n in range(5)
        ]
        assert statuses == [401, 401, 401, 401, 429]
        locked = client.post("/access", data={"csrf": token, "code": CODE})
        assert locked.status_code == 429 and "thử lại sau 15 phút" in locked.text
        assert client.get("/audit").status_code == 401


def test_access_helpers() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("192.168.1.5")
    assert same_code("12345678", "1234-5678") and not same_code("12345678", "12345679")
    lock = Lockout(max_failures=3, window_s=10, lock_s=30)
    assert [lock.fail("a", now=t) for t in (0, 1, 20)] == [2, 1, 2]  # the first two fell out
    assert lock.locked_for("a", now=21) == 0
    session: dict[str, object] = {}
    assert csrf_token(session) == csrf_token(session) == session["csrf"]


# --- check ---------------------------------------------------------------------------------


def test_a_card_photo_is_ok_and_logged_with_who(client: TestClient, db: str) -> None:
    response, _ = _check(
        client, {"photos": ("IMG_0001.png", _card_photo(db, "A01"))}, who="Chị Lan"
    )
    assert response.status_code == 200
    assert re.search(r'class="verdict ok">\s*<div class="big">ĐÚNG</div>', response.text)
    assert '<dd class="stall">A01</dd>' in response.text
    assert "Không cần làm gì" in response.text
    (check,) = _checks(db)
    assert (check.stall_id, check.verdict, check.who) == ("A01", "ok", "Chị Lan")
    assert Path(check.photo).is_file() and Path(check.photo).name.startswith("IMG_0001_")
    assert check.photo_sha256 is not None
    # the name is remembered for the next check
    assert 'value="Chị Lan"' in client.get("/check").text


def test_a_swapped_code_is_sai_with_the_account_it_pays(client: TestClient, db: str) -> None:
    response, _ = _check(client, {"photos": ("IMG_0002.png", _qr_photo(db, "A02"))}, stall="A01")
    assert '<div class="big">SAI</div>' in response.text
    with open_market(db) as market:
        paid = market.registry()["A02"]
    assert paid.account in response.text
    assert "in lại thẻ quầy A01" in response.text
    assert 'name="stall" value=""' in response.text  # not carried over to the next photo
    (check,) = _checks(db)
    assert (check.stall_id, check.verdict, check.account) == ("A01", "mismatch", paid.account)


def test_a_broken_image_is_answered_not_raised(client: TestClient, db: str) -> None:
    files = [
        ("photos", ("broken.jpg", b"\xff\xd8\xff\xe0not really a jpeg")),
        ("photos", ("A03.png", _card_photo(db, "A03"))),
    ]
    response, _ = _check(client, files)
    assert response.status_code == 200
    assert response.text.count('class="verdict unreadable"') == 1
    assert "CHỤP LẠI" in response.text and "ĐÚNG" in response.text
    verdicts = sorted(c.verdict for c in _checks(db))
    assert verdicts == ["ok", "unreadable"]


def test_an_unknown_stall_is_said_and_nothing_logged(client: TestClient, db: str) -> None:
    response, _ = _check(client, {"photos": ("a.png", _card_photo(db, "A01"))}, stall="Z99")
    assert response.status_code == 422
    assert "Không có quầy Z99" in response.text
    assert _checks(db) == []


def test_no_photo_chosen(client: TestClient) -> None:
    response, _ = _check(client, {"photos": ("", b"")})
    assert response.status_code == 400 and "Chưa chọn ảnh" in response.text


def test_a_form_sent_twice_is_logged_once(client: TestClient, db: str) -> None:
    photo = _card_photo(db, "A01")
    first, data = _check(client, {"photos": ("a.png", photo)})
    again = client.post("/check", data=data, files={"photos": ("a.png", photo)})
    assert first.status_code == again.status_code == 200
    assert "đã được ghi rồi" in again.text and "ĐÚNG" in again.text
    assert len(_checks(db)) == 1


def test_three_stalls_paying_one_foreign_account_are_one_cluster(
    client: TestClient, db: str
) -> None:
    from cashless.payload.vietqr import VietQR

    stranger = VietQR(bin="970422", account="0999888777", merchant_name="NGUYEN VAN X").build()
    photo = _png(to_image(make_qr(stranger), scale=6))
    for stall in ("A01", "A02", "A03"):
        response, _ = _check(client, {"photos": (f"{stall}.png", photo)})
        assert "SAI" in response.text
    audit = client.get("/audit").text
    assert "0999888777" in audit and "A01, A02, A03" in audit


# --- print ---------------------------------------------------------------------------------


def _wait_job(client: TestClient, location: str) -> str:
    job = location.rstrip("/").split("/")[-1]
    finished = client.app.state.jobs.wait(job, timeout=60)  # type: ignore[attr-defined]
    assert finished is not None and finished.state == "done", finished
    return client.get(location).text


def test_print_a_few_stalls_on_a5_placards(client: TestClient) -> None:
    page = client.get("/print")
    assert "A01" in page.text and "/print/preview.png?stall=A01" in page.text
    response = client.post(
        "/print",
        data={
            "csrf": _csrf(page.text),
            "paper": "A5",
            "layout": "placard",
            "which": "few",
            "stalls": "a01, A02",
            "start": "1",
            "market": "Chợ Điện Biên",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    html = _wait_job(client, location)
    assert "Xong: 2 thẻ trên 2 trang (A5, placard)" in html
    pdf = client.get(f"{location}/cards.pdf")
    assert pdf.content[:5] == b"%PDF-" and b"/PrintScaling /None" in pdf.content
    manifest = list(csv.DictReader(io.StringIO(client.get(f"{location}/manifest.csv").text)))
    assert [(r["stall"], r["page"]) for r in manifest] == [("A01", "1"), ("A02", "2")]
    assert all(r["card_code"].startswith("CDB:") for r in manifest)


def test_print_from_a_start_slot_of_a_used_sheet(client: TestClient) -> None:
    page = client.get("/print")
    response = client.post(
        "/print",
        data={
            "csrf": _csrf(page.text),
            "paper": "A4",
            "layout": "2x4",
            "which": "few",
            "stalls": "A01,A02,A03",
            "start": "7",
        },
        follow_redirects=False,
    )
    _wait_job(client, response.headers["location"])
    manifest = client.get(f"{response.headers['location']}/manifest.csv").text
    rows = list(csv.DictReader(io.StringIO(manifest)))
    slots = [(r["stall"], r["page"], r["slot"]) for r in rows]
    assert slots == [("A01", "1", "7"), ("A02", "1", "8"), ("A03", "2", "1")]


def test_print_refuses_an_unknown_stall_and_a_bad_start(client: TestClient) -> None:
    token = _csrf(client.get("/print").text)
    response = client.post("/print", data={"csrf": token, "which": "few", "stalls": "A01,Z99"})
    assert response.status_code == 422 and "Z99" in response.text
    response = client.post(
        "/print",
        data={"csrf": token, "which": "all", "start": "9", "layout": "2x4"},
    )
    assert response.status_code == 422 and "ô 1 đến 8" in response.text
    response = client.post(
        "/print", data={"csrf": token, "which": "all", "start": "1", "paper": "A3"}
    )
    assert response.status_code == 422


def test_the_preview_and_the_single_card(client: TestClient) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(client.get("/print/preview.png?stall=A05").content))
    assert abs(image.size[0] / 200 * 25.4 - 105) < 1  # 105 mm wide at 200 dpi
    assert 'class="true-size"' in client.get("/print?stall=A05").text
    card = client.get("/print/card.pdf?stall=A05")
    assert card.content[:5] == b"%PDF-"
    assert client.get("/print/preview.png?stall=Z99").status_code == 404


def test_a_long_sheet_does_not_hold_up_other_requests(client: TestClient) -> None:
    release = threading.Event()
    jobs = client.app.state.jobs  # type: ignore[attr-defined]
    job = jobs.start(lambda: release.wait(30), cards=2000, paper="A4", layout="2x4")
    try:
        page = client.get(f"/print/jobs/{job.id}")
        assert "Đang tạo 2000 thẻ" in page.text and "<progress" in page.text
        assert client.get(f"/print/jobs/{job.id}/status").json()["state"] in ("queued", "running")
        assert client.get("/check").status_code == 200  # answered while the sheet renders
    finally:
        release.set()
    assert client.get("/print/jobs/nope").status_code == 404


# --- audit ---------------------------------------------------------------------------------


def test_the_audit_page_and_its_exports(client: TestClient, db: str) -> None:
    _check(client, {"photos": ("p.png", _card_photo(db, "A01"))}, who="Anh Minh")
    html = client.get("/audit").text
    row = re.search(r'<tr class="ok" data-stall="A01">(.*?)</tr>', html, re.S)
    assert row and "Anh Minh" in row.group(1) and "đúng" in row.group(1)
    assert 'class="never" data-stall="A02"' in html
    assert "60 quầy: 59 chưa kiểm" in html
    rows = list(csv.reader(io.StringIO(client.get("/audit.csv").content.decode("utf-8-sig"))))
    assert rows[0][0] == "quầy" and rows[1][:2] == ["A01", "Rau sạch"] and rows[1][4] == "Anh Minh"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/audit.xlsx").content))
    sheet = book.active
    assert sheet is not None and sheet.cell(2, 1).value == "A01" and sheet.cell(2, 6).value == 1
    english = client.get("/lang/en?next=/audit.csv").content.decode("utf-8-sig")
    assert english.startswith("stall,stall name")


# --- the command -------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_on_another_address_prints_the_code_and_a_qr(db: str, monkeypatch, capsys) -> None:
    import uvicorn

    from cashless.cli import main

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.setattr("webbrowser.open", lambda url: pytest.fail("no browser off loopback"))
    port = _free_port()
    assert main(["serve", "--db", db, "--host", "0.0.0.0", "--port", str(port)]) == 0
    out = capsys.readouterr().out
    code = re.search(r"access code: (\d{4}) (\d{4})", out)
    assert code and "▀" in out  # the terminal QR code
    assert served["app"].state.settings.access_code == code.group(1) + code.group(2)
    assert served["host"] == "0.0.0.0"


def test_serve_on_loopback_asks_for_no_code(db: str, monkeypatch, capsys) -> None:
    import uvicorn

    from cashless.cli import main

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    port = _free_port()
    assert main(["serve", "--db", db, "--port", str(port), "--no-browser"]) == 0
    assert served["app"].state.settings.access_code is None
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_serve_refuses_a_port_in_use(db: str, capsys) -> None:
    import socket

    from cashless.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--db", db, "--port", str(port), "--no-browser"]) == 1
    assert "--port" in capsys.readouterr().err


def test_serve_refuses_a_bad_host_or_database(db: str, tmp_path: Path, capsys) -> None:
    from cashless.cli import main

    port = str(_free_port())
    assert main(["serve", "--db", db, "--host", "no such host!", "--port", port]) == 1
    assert "--host" in capsys.readouterr().err
    assert main(["serve", "--db", str(tmp_path), "--port", port, "--no-browser"]) == 1
    assert "--db" in capsys.readouterr().err
    (tmp_path / "notes.db").write_text("not a database")
    assert main(["serve", "--db", str(tmp_path / "notes.db"), "--port", port]) == 1
    assert "--db" in capsys.readouterr().err
