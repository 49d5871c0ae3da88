"""Words for market offices: one catalogue of messages in Vietnamese and English.

Organiser-facing output (registry problems, photo verdicts, the audit report) is looked
up here by a stable key, so that both languages always say the same thing. Keys are
dotted (``"verify.ok"``); values are :meth:`str.format` templates with named fields.

The language is ``vi`` or ``en``: given explicitly (``--lang``), else the ``CASHLESS_LANG``
environment variable, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: Vietnamese when it starts
with ``vi``, English otherwise), else ``vi``: the offices this is for speak Vietnamese.

>>> say("verify.unreadable.blurry", "en")
'blurry: take it again, closer'
>>> say("verify.unreadable.blurry", "vi")
'ảnh mờ: chụp lại, gần hơn'
"""

from __future__ import annotations

import os

from cashless.errors import UsageError

__all__ = ["LANGUAGES", "MESSAGES", "language", "say"]

LANGUAGES = ("vi", "en")

# key -> (Vietnamese, English). Add both or neither; tests/test_messages.py checks that every
# key has both and that both templates take the same fields.
MESSAGES: dict[str, tuple[str, str]] = {
    # registry: reading an office's stall table (registry.py, workbook.py) -------------------
    "registry.problem": ("{count} lỗi: {listing}", "{count} problem: {listing}"),
    "registry.problems": ("{count} lỗi: {listing}", "{count} problems: {listing}"),
    # the heading above the problems listed one per line (the CLI)
    "registry.heading.one": ("{count} lỗi:", "{count} problem:"),
    "registry.heading.many": ("{count} lỗi:", "{count} problems:"),
    "registry.at": ("dòng {line}, {column}: {reason}", "line {line}, {column}: {reason}"),
    "registry.note": ("ghi chú: {note}", "note: {note}"),
    "registry.skipped": ("bỏ qua {problem}", "skipped {problem}"),
    "registry.empty_file": (
        "tệp trống; cần một dòng tiêu đề: Số quầy, Tên quầy, Chủ tài khoản, Ngân hàng, Số tài khoản",
        "the file is empty; expected a header row: stall_id, stall_name, vendor_name, bank, account",
    ),
    "registry.unreadable": ("không đọc được tệp: {error}", "cannot read the file: {error}"),
    "registry.utf16": (
        "tệp là UTF-16; hãy lưu dạng 'CSV UTF-8' hoặc .xlsx",
        "the file is UTF-16; save it as 'CSV UTF-8' or .xlsx",
    ),
    "registry.not_utf8": (
        "không phải chữ UTF-8 (byte {byte}); hãy lưu dạng 'CSV UTF-8' hoặc .xlsx",
        "not UTF-8 text (byte {byte}); save the file as 'CSV UTF-8' or .xlsx",
    ),
    "registry.not_csv": ("không đọc được như CSV: {error}", "not readable as CSV: {error}"),
    "registry.not_xlsx": (
        "không đọc được tệp Excel ({error}): mở bằng Excel và lưu lại dạng .xlsx",
        "not a readable Excel workbook ({error}): open it in Excel and save it as .xlsx",
    ),
    "registry.xls": (
        "tệp Excel 97-2003 (.xls): hãy lưu lại dạng .xlsx hoặc 'CSV UTF-8'",
        "an Excel 97-2003 file (.xls): save it as .xlsx or 'CSV UTF-8'",
    ),
    "registry.missing_column": ("thiếu cột {column} ({key})", "missing column {column} ({key})"),
    "registry.twice": ("cột này có hai lần", "column given twice"),
    "registry.unused_column": ("cột không dùng, bỏ qua", "column not used, ignored"),
    "registry.no_header": (
        "cột {letter} có dữ liệu nhưng không có tiêu đề",
        "column {letter} holds data but has no header",
    ),
    "registry.no_stalls": (
        "không có quầy nào: tệp chỉ có dòng tiêu đề",
        "no stalls: the file has only a header",
    ),
    "registry.empty": ("ô trống", "empty"),
    "registry.control": ("{value!r} có ký tự điều khiển", "{value!r} holds a control character"),
    "registry.duplicate": (
        "số quầy {stall_id} trùng (đã có ở dòng {first})",
        "duplicate stall id {stall_id} (first on line {first})",
    ),
    "registry.duplicate_of_bad": (
        "quầy {stall_id} cũng ở dòng {first}, dòng đó bị bỏ qua; dùng dòng này",
        "stall {stall_id} is also on line {first}, which was skipped; this line is used",
    ),
    "registry.stall_id": ("'{value}' ghi thành {stall_id}", "'{value}' written as {stall_id}"),
    "registry.bank_empty": (
        "ô trống; ghi tên ngân hàng, mã hoặc BIN",
        "empty; give the bank's name, code or BIN",
    ),
    "registry.bank_unknown": (
        "không tìm thấy ngân hàng '{value}'{hint}",
        "no bank matches '{value}'{hint}",
    ),
    "registry.did_you_mean": ("; có phải: {banks}?", "; did you mean {banks}?"),
    "registry.bank_found": ("'{value}' là {bank} (BIN {bin})", "'{value}' is {bank} (BIN {bin})"),
    "registry.account_empty": ("ô trống; ghi số tài khoản", "empty; give the bank account number"),
    "registry.account_excel": (
        "'{value}': Excel đã đổi số tài khoản thành số: định dạng cột là Text rồi nhập lại",
        "'{value}': Excel turned the account number into a number (digits may be lost): "
        "format the column as Text and type it again",
    ),
    "registry.account_chars": (
        "'{value}' có ký tự {chars!r}; chỉ dùng chữ A-Z và số",
        "'{value}' holds {chars!r}; only letters A-Z and digits are allowed",
    ),
    "registry.account_long": (
        "'{value}' dài {length} ký tự, tối đa {limit}",
        "'{value}' is {length} characters, the limit is {limit}",
    ),
    "registry.account_cleaned": (
        "'{value}' ghi thành {account} (bỏ dấu cách, chấm, gạch)",
        "'{value}' read as {account} (spaces, dots and dashes removed)",
    ),
    "registry.amount_bad": (
        "'{value}' không phải số tiền nguyên (vd 50000, 50.000đ)",
        "'{value}' is not a whole number of dong (e.g. 50000, 50.000đ)",
    ),
    "registry.amount_zero": (
        "'{value}': số tiền phải lớn hơn 0",
        "'{value}': the amount must be more than 0",
    ),
    "registry.amount_long": (
        "'{value}': quá {limit} chữ số, giới hạn của VietQR",
        "'{value}': more than {limit} digits, the VietQR limit",
    ),
    "registry.amount_read": ("'{value}' đọc là {amount} đ", "'{value}' read as {amount} đ"),
    "registry.name_shortened": (
        "tên dài {length} ký tự (tối đa 25 trong mã QR): mã ghi {short}; app ngân hàng vẫn hiện tên đầy đủ",
        "the name is {length} characters (the QR code holds 25): the code carries {short}; "
        "bank apps still show the full name",
    ),
    "registry.name_left_out": (
        "tên dài {length} ký tự, rút gọn vẫn quá 25: mã không ghi tên; app ngân hàng vẫn hiện tên chủ tài khoản",
        "the name is {length} characters, too long even shortened: the code carries no name; "
        "bank apps still show the holder's name",
    ),
    "registry.payload": ("{reason}", "{reason}"),
    # template: the fill-in workbook (`cashless template`) ----------------------------------
    "template.sheet": ("Danh sách quầy", "Stalls"),
    "template.banks_sheet": ("Ngân hàng", "Banks"),
    "template.guide_sheet": ("Hướng dẫn", "Instructions"),
    "template.column.stall_id": ("Số quầy", "stall_id"),
    "template.column.stall_name": ("Tên quầy", "stall_name"),
    "template.column.vendor_name": ("Chủ tài khoản", "vendor_name"),
    "template.column.bank": ("Ngân hàng", "bank"),
    "template.column.account": ("Số tài khoản", "account"),
    "template.column.amount": ("Số tiền", "amount"),
    "template.column.purpose": ("Nội dung", "purpose"),
    "template.column.category": ("Ngành hàng", "category"),
    "template.bank_prompt": (
        "Chọn trong danh sách hoặc ghi tên như thường gọi (Vietcombank, MB, Á Châu...)",
        "Pick from the list or write the name as people say it (Vietcombank, MB, ACB...)",
    ),
    "template.guide": (
        "Cách điền danh sách quầy\n"
        "1. Mỗi quầy một dòng ở trang 'Danh sách quầy'. Không đổi dòng tiêu đề.\n"
        "2. Bắt buộc: Số quầy, Tên quầy, Chủ tài khoản, Ngân hàng, Số tài khoản.\n"
        "3. Số tài khoản: nhập đúng như trên thẻ/app ngân hàng. Cột đã định dạng Text; "
        "nếu dán từ nơi khác, đừng để Excel đổi thành số (1.23457E+13).\n"
        "4. Chủ tài khoản: họ tên đầy đủ, có dấu, như tên tài khoản ngân hàng.\n"
        "5. Ngân hàng: chọn trong danh sách, hoặc ghi tên thường gọi (Vietcombank, Quân đội, BVBank).\n"
        "6. Số tiền (không bắt buộc): để trống nếu khách tự nhập; ví dụ 50000 hoặc 50.000đ.\n"
        "7. Nội dung (không bắt buộc): tối đa 25 ký tự, không dấu.\n"
        "8. Lưu tệp (.xlsx) rồi chạy: cashless sheet mau.xlsx -o the.pdf",
        "How to fill in the stall list\n"
        "1. One stall per row on the 'Stalls' sheet. Keep the header row as it is.\n"
        "2. Required: stall_id, stall_name, vendor_name, bank, account.\n"
        "3. account: exactly as on the bank card or app. The column is formatted as Text; "
        "when pasting, do not let Excel turn it into a number (1.23457E+13).\n"
        "4. vendor_name: the account holder's full name, with accents.\n"
        "5. bank: pick from the list, or write it as people say it (Vietcombank, MB, BVBank).\n"
        "6. amount (optional): empty lets the shopper type it; e.g. 50000 or 50.000đ.\n"
        "7. purpose (optional): at most 25 characters, no accents.\n"
        "8. Save the file (.xlsx), then run: cashless sheet template.xlsx -o cards.pdf",
    ),
    # cards and sheets (sheet.py, card.py) ----------------------------------------------------
    "sheet.note_changes": (
        "{count} thay đổi so với tệp:",
        "{count} change(s) to what the file says:",
    ),
    "verify.unreadable.blurry": ("ảnh mờ: chụp lại, gần hơn", "blurry: take it again, closer"),
    # verify: the verdicts, one reason each (stall checks) ---------------------------------
    "verify.ok": ("mã trả vào tài khoản của quầy {stall}", "the code pays stall {stall}'s account"),
    "verify.ok.untied": (
        "mã của quầy {stall}; ảnh không gắn với quầy nào: đặt tên ảnh theo quầy hoặc dùng thẻ có mã thẻ",
        "stall {stall}'s code; the photo is tied to no stall: name it after the stall or use "
        "cards with a card code",
    ),
    "verify.mismatch": (
        "quầy {stall}: mã trả vào {bank} {account} ({holder}), không phải tài khoản của quầy",
        "stall {stall}: the code pays {bank} {account} ({holder}), not the stall's account",
    ),
    "verify.mismatch.other_stall": (
        "quầy {stall}: đây là mã của quầy {other} ({bank} {account}): mã bị tráo",
        "stall {stall}: this is stall {other}'s code ({bank} {account}): codes swapped",
    ),
    "verify.mismatch.amount": (
        "quầy {stall}: đúng tài khoản nhưng số tiền {amount} thay vì {expected}",
        "stall {stall}: the right account but the amount {amount} instead of {expected}",
    ),
    "verify.mismatch.card_stall": (
        "ảnh chụp ở quầy {stall} nhưng thẻ là của quầy {card}: thẻ bị tráo",
        "the photo is of stall {stall} but the card is stall {card}'s: card swapped",
    ),
    "verify.unknown": (
        "mã trả vào {bank} {account} ({holder}), không phải tài khoản của quầy nào",
        "the code pays {bank} {account} ({holder}), an account of no stall",
    ),
    "verify.not_vietqr": (
        "không phải mã VietQR hợp lệ: {detail}",
        "not a valid VietQR code: {detail}",
    ),
    "verify.unreadable.none": (
        "không thấy mã QR: chụp lại, cả thẻ trong khung, đủ sáng",
        "no QR code found: take it again with the whole card in the frame, in good light",
    ),
    "verify.unreadable.too_big": (
        "ảnh quá lớn ({pixels} triệu điểm ảnh): chụp lại ở độ phân giải thường",
        "image too big ({pixels} megapixels): take it again at normal resolution",
    ),
    "verify.unreadable.broken": (
        "tệp ảnh hỏng hoặc không đọc được ({detail}): chụp hoặc chép lại",
        "the image file is broken ({detail}): take or copy it again",
    ),
    "verify.unreadable.mode": (
        "ảnh có kiểu màu {mode} không đọc được: lưu lại dạng JPEG hoặc PNG",
        "colour mode {mode} cannot be read: save it again as JPEG or PNG",
    ),
    "verify.unreadable.memory": (
        "không đủ bộ nhớ để đọc ảnh: chụp lại ở độ phân giải thường",
        "not enough memory to read the image: take it again at normal resolution",
    ),
    "verify.unreadable.missing": (
        "không có tệp này: {detail}",
        "no such file: {detail}",
    ),
    "verify.note.bank_issued": (
        "mã do ngân hàng in (khác thẻ ở các trường không ảnh hưởng tiền)",
        "bank-issued code (differs from the card only in fields that do not move money)",
    ),
    "verify.note.lookalike": (
        "CẢNH GIÁC: tên chủ tài khoản {holder} gần giống {registered} nhưng không phải",
        "WARNING: holder name {holder} looks like {registered} but is not",
    ),
    "verify.note.cluster": (
        "cùng tài khoản lạ ở {count} quầy (nhóm {cluster})",
        "the same foreign account at {count} stalls (cluster {cluster})",
    ),
    "verify.note.untied": ("ảnh không gắn với quầy nào", "photo tied to no stall"),
    "verify.note.name_unknown": (
        "tên ảnh {name} giống số quầy nhưng không có quầy đó{hint}",
        "the name {name} looks like a stall id but no stall has it{hint}",
    ),
    "verify.note.did_you_mean": (" (có phải {stall}?)", " (did you mean {stall}?)"),
    "verify.note.name_differs": (
        "tên ảnh ghi quầy {name}, thẻ ghi quầy {card}",
        "the photo's name says stall {name}, the card says {card}",
    ),
    "verify.note.card_outdated": (
        "mã thẻ không khớp sổ quầy hiện tại: thẻ cũ hoặc giả, in lại thẻ",
        "the card code does not match the registry: an old or forged card, reprint it",
    ),
    "verify.note.card_unverified": (
        "mã thẻ chưa kiểm được (không có khoá chợ: dùng --db)",
        "card code not verified (no market key: use --db)",
    ),
    "verify.note.card_other_market": (
        "thẻ của chợ khác ({market})",
        "a card of another market ({market})",
    ),
    "verify.note.card_unknown_stall": (
        "mã thẻ ghi quầy {card}, không có trong sổ quầy",
        "the card code names stall {card}, which is not in the registry",
    ),
    "verify.note.unread_codes": (
        "còn {count} mã khác trong ảnh không đọc được",
        "{count} more code(s) in the photo could not be read",
    ),
    "verify.note.frame": ("khung hình {frame}", "frame {frame}"),
    "verify.no_holder": ("không ghi tên", "no name"),
    # verify: the table and the summary ----------------------------------------------------
    "verify.column.photo": ("ảnh", "photo"),
    "verify.column.verdict": ("kết quả", "verdict"),
    "verify.column.stall": ("quầy", "stall"),
    "verify.column.tie": ("gắn bởi", "tied by"),
    "verify.column.pays": ("trả vào", "pays"),
    "verify.column.reason": ("lý do", "reason"),
    "verify.tie.card": ("mã thẻ", "card code"),
    "verify.tie.stall": ("--stall", "--stall"),
    "verify.tie.name": ("tên ảnh", "file name"),
    "verify.tie.folder": ("thư mục", "folder"),
    "verify.tie.none": ("KHÔNG GẮN", "UNTIED"),
    "verify.verdict.ok": ("đúng", "ok"),
    "verify.verdict.mismatch": ("SAI", "MISMATCH"),
    "verify.verdict.unknown": ("lạ", "unknown"),
    "verify.verdict.not-vietqr": ("không phải VietQR", "not VietQR"),
    "verify.verdict.unreadable": ("không đọc được", "unreadable"),
    "verify.cluster.title": (
        "NHÓM NGHI GIAN LẬN: một tài khoản lạ ở nhiều quầy",
        "SUSPECTED GANG: one foreign account at several stalls",
    ),
    "verify.cluster.line": (
        "nhóm {cluster}: {bank} {account} ({holder}) ở các quầy {stalls}",
        "cluster {cluster}: {bank} {account} ({holder}) at stalls {stalls}",
    ),
    "verify.summary": (
        "{photos} ảnh, {codes} kết quả: {counts}; {untied} ảnh không gắn với quầy",
        "{photos} photos, {codes} verdicts: {counts}; {untied} photos tied to no stall",
    ),
    "verify.skipped": ("bỏ qua {path}: {reason}", "skipped {path}: {reason}"),
    "verify.skipped.not_image": ("không phải ảnh", "not an image"),
    "verify.skipped.hidden": ("tệp ẩn", "hidden file"),
    "verify.no_photos": ("không có ảnh nào", "no photos"),
    "verify.logged": (
        "đã ghi {count} kết quả vào nhật ký {db}",
        "logged {count} verdicts in {db}",
    ),
    # audit --------------------------------------------------------------------------------
    "audit.column.stall": ("quầy", "stall"),
    "audit.column.name": ("tên quầy", "stall name"),
    "audit.column.last_checked": ("kiểm lần cuối", "last checked"),
    "audit.column.last_verdict": ("kết quả cuối", "last verdict"),
    "audit.column.who": ("người kiểm", "checked by"),
    "audit.column.checks": ("số lần kiểm", "checks"),
    "audit.column.open": ("sai chưa xử lý", "open mismatches"),
    "audit.never": ("chưa kiểm", "never checked"),
    "audit.summary": (
        "{stalls} quầy: {never} chưa kiểm, {open} có mã sai chưa xử lý",
        "{stalls} stalls: {never} never checked, {open} with open mismatches",
    ),
    # market database ----------------------------------------------------------------------
    "market.created": (
        "đã tạo chợ {market} trong {db} với khoá mới (không in ra; mất khoá phải in lại mọi thẻ)",
        "created market {market} in {db} with a new key (never printed; losing it means "
        "reprinting every card)",
    ),
    "market.imported": (
        "sổ quầy phiên bản {version}: {stalls} quầy; thêm {added}, bớt {removed}, đổi {changed}",
        "registry version {version}: {stalls} stalls; added {added}, removed {removed}, "
        "changed {changed}",
    ),
    "market.unchanged": (
        "sổ quầy không đổi (phiên bản {version})",
        "the registry has not changed (version {version})",
    ),
    "market.accepted": (
        "quầy {stall} nhận thêm mã {bank} {account}: in lại thẻ của quầy",
        "stall {stall} also accepts {bank} {account}: reprint the stall's card",
    ),
    "market.accept.reprint": (
        'mã thẻ của quầy {stall} giờ bảo chứng {count} mã, nên thẻ in trước đây bị báo "mã '
        'thẻ không khớp sổ quầy" cho đến khi in lại: cashless card --db {db} {stall} -o '
        "{stall}.png (hoặc cashless sheet --db {db} --stalls {stall} -o {stall}.pdf)",
        "stall {stall}'s card code now vouches for {count} codes, so a card printed before is "
        'flagged "the card code does not match the registry" until it is reprinted: '
        "cashless card --db {db} {stall} -o {stall}.png (or cashless sheet --db {db} --stalls "
        "{stall} -o {stall}.pdf)",
    ),
    "market.accept.already": (
        "quầy {stall} đã nhận mã trả vào {bank} {account}: không đổi gì, không cần in lại thẻ",
        "stall {stall} already accepts a code paying {bank} {account}: nothing changed, no "
        "reprint needed",
    ),
    "market.accept.not_vietqr": (
        "không phải mã chuyển khoản VietQR ({detail}): đưa nội dung mã của quầy, hoặc ảnh chụp mã",
        "not a VietQR transfer code ({detail}): give the text of the stall's code, or a photo "
        "of it",
    ),
    "market.accept.neither": (
        "{given!r}: không có tệp ảnh này, và cũng không phải nội dung mã VietQR (bắt đầu bằng "
        "000201)",
        "{given!r}: no such photo file, and not a VietQR payload either (one starts with 000201)",
    ),
    "market.accept.other_stall": (
        "mã này trả vào tài khoản {bank} {account} của quầy {other}, không phải của quầy "
        "{stall}: không thêm; nếu hai quầy dùng chung tài khoản, ghi vào sổ quầy",
        "this code pays stall {other}'s account {bank} {account}, not stall {stall}'s: not "
        "added; if both stalls share the account, put it in the registry",
    ),
    "market.accept.other_card": (
        "ảnh có mã thẻ của quầy {card}, không phải quầy {stall}: chụp riêng mã cần thêm ở quầy "
        "{stall}",
        "the photo shows stall {card}'s card code, not stall {stall}'s: photograph only the "
        "code to accept, at stall {stall}",
    ),
    "market.accept.many": (
        "ảnh có {count} mã khác nhau: chụp riêng mã cần thêm",
        "the photo holds {count} different codes: photograph only the code to accept",
    ),
    # fees: fee codes, slips, bank credits and reconciliation (cashless.fees) -------------
    "credits.empty": ("ô trống", "empty"),
    "credits.no_header": (
        "không thấy dòng tiêu đề có các cột {columns}; dùng --map cho tệp của ngân hàng",
        "no header row naming the columns {columns}; use --map for a bank's own export",
    ),
    "credits.time_bad": (
        "'{value}' không phải thời điểm ISO 8601 (2026-12-03 08:15)",
        "'{value}' is not an ISO 8601 time (2026-12-03 08:15)",
    ),
    "credits.amount_bad": (
        "'{value}' không phải số tiền nguyên (đồng)",
        "'{value}' is not a whole number of dong",
    ),
    "credits.amount_zero": ("'{value}': số tiền bằng 0", "'{value}': the amount is 0"),
    "credits.control": ("có ký tự điều khiển", "holds a control character"),
    "credits.fields": (
        "{count} ô, dòng tiêu đề có {header}",
        "{count} fields, the header has {header}",
    ),
    "credits.json_bad": ("không đọc được JSON: {error}", "not readable as JSON: {error}"),
    "credits.json_object": (
        "không phải một thông báo (đối tượng JSON)",
        "not a notification (a JSON object)",
    ),
    "credits.transfer_type": (
        "'{value}': transferType phải là in hoặc out",
        "'{value}': transferType must be in or out",
    ),
    "credits.no_json": ("thư mục không có tệp .json nào", "the folder holds no .json file"),
    "fees.slip.title": ("Phí chợ tháng {month}", "Market fee for {month}"),
    "fees.slip.stall": ("Quầy {stall} · {name}", "Stall {stall} · {name}"),
    "fees.slip.amount": ("Số tiền {amount}", "Amount {amount}"),
    "fees.slip.code": ("Mã thanh toán {code}", "Payment code {code}"),
    "fees.slip.pays": ("Trả vào {bank} · {account}", "Pays {bank} · {account}"),
    "fees.slip.keep": (
        "Quét mã; đừng sửa nội dung chuyển khoản",
        "Scan the code; do not change the transfer note",
    ),
    "fees.no_account": (
        "chưa có tài khoản của chợ: cho --bank và --account (lưu vào cơ sở dữ liệu lần đầu)",
        "the market's own account is not set: give --bank and --account (stored in the "
        "database on first use)",
    ),
    "fees.account_set": (
        "tài khoản thu phí: {bank} {account} ({holder})",
        "fees are paid to {bank} {account} ({holder})",
    ),
    "fees.no_amount": (
        "quầy {stalls} chưa có mức phí: dùng --amount hoặc thêm vào --schedule",
        "no fee for stall(s) {stalls}: give --amount or add them to --schedule",
    ),
    "fees.schedule_key": (
        "cần stall_id hoặc category",
        "needs a stall_id or a category",
    ),
    "fees.schedule_unknown": ("không có quầy {value}", "no stall {value}"),
    "fees.schedule_category": ("không có ngành hàng {value}", "no category {value}"),
    "fees.written": (
        "{count} phiếu thu phí kỳ {period}, tổng {total}: {pdf} và {manifest}",
        "{count} fee slips for {period}, total {total}: {pdf} and {manifest}",
    ),
    "reconcile.status.paid": ("đã trả", "paid"),
    "reconcile.status.partly_paid": ("trả thiếu", "partly paid"),
    "reconcile.status.over_paid": ("trả thừa", "over-paid"),
    "reconcile.status.unpaid": ("chưa trả", "unpaid"),
    "reconcile.credit.matched": ("khớp", "matched"),
    "reconcile.credit.partial": ("một phần", "partial"),
    "reconcile.credit.over_paid": ("thừa", "over-paid"),
    "reconcile.credit.duplicate": ("trùng", "duplicate"),
    "reconcile.credit.unknown": ("không rõ", "unknown"),
    "reconcile.how.code": ("mã thanh toán", "payment code"),
    "reconcile.how.truncated": ("mã bị cắt", "truncated code"),
    "reconcile.how.payer": ("người trả và số tiền", "payer and amount"),
    "reconcile.how.reversal": ("hoàn tiền", "reversal"),
    "reconcile.how.none": ("-", "-"),
    "reconcile.flag.mistyped_code": ("mã gõ sai", "mistyped code"),
    "reconcile.flag.no_code": ("không có mã", "no code"),
    "reconcile.flag.truncated": ("mã bị cắt", "truncated code"),
    "reconcile.flag.late": ("trả muộn", "late"),
    "reconcile.flag.reversal": ("hoàn tiền", "reversal"),
    "reconcile.flag.reversed": ("đã bị hoàn", "reversed"),
    "reconcile.flag.other_period": ("của kỳ khác", "another period's"),
    "reconcile.column.stall": ("quầy", "stall"),
    "reconcile.column.name": ("tên quầy", "stall name"),
    "reconcile.column.status": ("tình trạng", "status"),
    "reconcile.column.expected": ("phải trả", "expected"),
    "reconcile.column.received": ("đã nhận", "received"),
    "reconcile.column.credits": ("số lần chuyển", "credits"),
    "reconcile.column.reference": ("mã giao dịch", "reference"),
    "reconcile.column.time": ("thời điểm", "time"),
    "reconcile.column.amount": ("số tiền", "amount"),
    "reconcile.column.how": ("khớp theo", "matched by"),
    "reconcile.column.notes": ("ghi chú", "notes"),
    "reconcile.column.description": ("nội dung", "description"),
    "reconcile.sheet.stalls": ("Quầy", "Stalls"),
    "reconcile.sheet.credits": ("Giao dịch", "Credits"),
    "reconcile.imported": (
        "đã nhập {new} giao dịch mới ({known} đã có)",
        "imported {new} new credits ({known} already known)",
    ),
    "reconcile.summary": (
        "kỳ {period}: {stalls} quầy, phải thu {expected}, đã nhận {received}; {counts}",
        "period {period}: {stalls} stalls, expected {expected}, received {received}; {counts}",
    ),
    "reconcile.credits_summary": (
        "{credits} giao dịch: {counts}",
        "{credits} credits: {counts}",
    ),
    "reconcile.no_fees": (
        "chưa có phí nào cho kỳ {period}: chạy `cashless fees` trước",
        "no fees issued for {period}: run `cashless fees` first",
    ),
    # web: the market office's page (cashless serve) --------------------------------------
    "web.title": ("Văn phòng chợ", "Market office"),
    "web.nav.registry": ("Sổ quầy", "Registry"),
    "web.nav.print": ("In thẻ", "Print"),
    "web.nav.check": ("Kiểm tra", "Check"),
    "web.nav.audit": ("Nhật ký", "Audit"),
    "web.nav.fees": ("Phí chợ", "Fees"),
    "web.switch": ("English", "Tiếng Việt"),
    "web.error": ("Lỗi", "Error"),
    "web.back": ("Quay lại", "Back"),
    "web.not_found": ("Không có trang này.", "No such page."),
    "web.no_market": (
        "Chưa có dữ liệu chợ: tải sổ quầy lên trước (trang Sổ quầy).",
        "No market yet: upload the stall registry first (Registry page).",
    ),
    "web.csrf": (
        "Biểu mẫu hết hạn hoặc không hợp lệ: tải lại trang rồi gửi lại.",
        "The form has expired or is not valid: reload the page and send it again.",
    ),
    "web.too_big": (
        "Tệp gửi lên quá lớn (tối đa {limit} MB mỗi lần): gửi ít ảnh hơn mỗi lần.",
        "The upload is too large (at most {limit} MB at a time): send fewer photos at once.",
    ),
    "web.access.title": ("Nhập mã truy cập", "Enter the access code"),
    "web.access.help": (
        "Mã hiện trên màn hình máy văn phòng, nơi mở trang này. Mỗi máy chỉ nhập một lần.",
        "The code is shown on the screen of the office PC that runs this page. "
        "Enter it once on each device.",
    ),
    "web.access.code": ("Mã truy cập", "Access code"),
    "web.access.submit": ("Vào", "Enter"),
    "web.access.wrong": ("Sai mã. Còn {left} lần thử.", "Wrong code. {left} tries left."),
    "web.access.locked": (
        "Nhập sai quá nhiều lần: thử lại sau {minutes} phút.",
        "Too many wrong codes: try again in {minutes} minutes.",
    ),
    "web.registry.title": ("Sổ quầy", "Stall registry"),
    "web.registry.stalls": (
        "Chợ {market}: {stalls} quầy (sổ quầy phiên bản {version}).",
        "Market {market}: {stalls} stalls (registry version {version}).",
    ),
    "web.registry.upload": (
        "Tải sổ quầy lên (.xlsx hoặc CSV)",
        "Upload the registry (.xlsx or CSV)",
    ),
    "web.registry.file": ("Tệp sổ quầy", "Registry file"),
    "web.registry.skip_bad": (
        "Bỏ qua các dòng lỗi, chỉ nhập dòng đúng",
        "Skip the bad rows, import the good ones",
    ),
    "web.registry.send": ("Kiểm tra và nhập", "Check and import"),
    "web.registry.no_file": ("Chọn một tệp trước.", "Choose a file first."),
    "web.registry.template": (
        "Tải mẫu Excel để điền (có hướng dẫn và danh sách ngân hàng)",
        "Download the Excel template to fill in (instructions and a bank list)",
    ),
    "web.registry.problems": (
        "{count} lỗi, chưa nhập gì: sửa tệp rồi tải lên lại.",
        "{count} problem(s), nothing imported: fix the file and upload it again.",
    ),
    "web.registry.skipped": ("{count} dòng lỗi bị bỏ qua:", "{count} bad row(s) skipped:"),
    "web.registry.notes": (
        "{count} thay đổi so với tệp:",
        "{count} change(s) to what the file says:",
    ),
    "web.registry.line": ("Dòng", "Line"),
    "web.registry.column": ("Cột", "Column"),
    "web.registry.problem": ("Vấn đề", "Problem"),
    "web.registry.versions": ("Các phiên bản sổ quầy", "Registry versions"),
    "web.registry.version": ("Phiên bản", "Version"),
    "web.registry.when": ("Lúc", "When"),
    "web.registry.source": ("Tệp", "File"),
    "web.registry.who": ("Người nhập", "By"),
    "web.registry.changes": ("Thay đổi", "Changes"),
    "web.registry.added": ("thêm {stalls}", "added {stalls}"),
    "web.registry.removed": ("bớt {stalls}", "removed {stalls}"),
    "web.registry.changed": ("đổi {stalls}", "changed {stalls}"),
    "web.registry.same": ("không đổi", "no change"),
    "web.print.title": ("In thẻ quầy", "Print stall cards"),
    "web.print.paper": ("Khổ giấy", "Paper"),
    "web.print.layout": ("Bố cục", "Layout"),
    "web.print.layout.2x4": ("2x4: 8 thẻ/trang, mã 50 mm", "2x4: 8 cards a page, 50 mm code"),
    "web.print.layout.2x2": ("2x2: 4 thẻ/trang, mã 70 mm", "2x2: 4 cards a page, 70 mm code"),
    "web.print.layout.1x2": ("1x2: 2 thẻ/trang, mã 100 mm", "1x2: 2 cards a page, 100 mm code"),
    "web.print.layout.1x1": ("1x1: một thẻ A7 mỗi trang", "1x1: one A7 card a page"),
    "web.print.layout.placard": (
        "bảng dọc: một bảng mỗi trang, mã 70-100 mm",
        "placard: one portrait placard a page, 70-100 mm code",
    ),
    "web.print.stalls": ("Quầy cần in", "Stalls to print"),
    "web.print.all": ("Tất cả quầy", "Every stall"),
    "web.print.few": ("Chỉ các quầy (vd A01,B07)", "Only these stalls (e.g. A01,B07)"),
    "web.print.start": (
        "Bắt đầu ở ô số (tờ nhãn đã dùng một phần; 1 = trên cùng bên trái)",
        "Start at slot (a partly used label sheet; 1 = top left)",
    ),
    "web.print.market": ("Tên chợ in trên thẻ", "Market name on the cards"),
    "web.print.submit": ("Tạo tệp PDF", "Make the PDF"),
    "web.print.preview": (
        "Xem trước một thẻ (kích thước thật 105 × 74 mm khi màn hình đúng tỉ lệ)",
        "Preview of one card (true size, 105 × 74 mm, on a screen at 100 %)",
    ),
    "web.print.preview_stall": ("Quầy xem trước", "Preview stall"),
    "web.print.show": ("Xem", "Show"),
    "web.print.card_pdf": (
        "Tải thẻ này (PDF đúng kích thước)",
        "Download this card (true-size PDF)",
    ),
    "web.print.hint": (
        "In ở 100 % (kích thước thực), không chọn 'vừa trang': thanh đo trên mỗi trang phải dài đúng 50 mm.",
        "Print at 100 % (actual size), not 'fit to page': the bar on each page must measure 50 mm.",
    ),
    "web.print.working": ("Đang tạo {cards} thẻ…", "Making {cards} cards…"),
    "web.print.estimate": ("khoảng {percent} %", "about {percent} %"),
    "web.print.done": (
        "Xong: {cards} thẻ trên {pages} trang ({paper}, {layout}).",
        "Done: {cards} cards on {pages} pages ({paper}, {layout}).",
    ),
    "web.print.download": ("Tải PDF", "Download the PDF"),
    "web.print.manifest": ("Tải danh sách thẻ (CSV)", "Download the manifest (CSV)"),
    "web.print.failed": ("Không tạo được tệp: {error}", "Could not make the file: {error}"),
    "web.print.warning": ("Cảnh báo: {warning}", "Warning: {warning}"),
    "web.print.again": ("In tiếp", "Print more"),
    "web.print.bad_start": (
        "Ô bắt đầu {start} không có: bố cục này có ô 1 đến {slots}.",
        "There is no slot {start}: this layout has slots 1 to {slots}.",
    ),
    "web.print.gone": (
        "Không còn tệp này (máy đã khởi động lại hoặc tệp cũ): tạo lại.",
        "This file is gone (the server restarted, or it is old): make it again.",
    ),
    "web.check.title": ("Kiểm tra mã ở quầy", "Check the codes at the stalls"),
    "web.check.photos": (
        "Chụp ảnh thẻ quầy (cả thẻ trong khung; chọn được nhiều ảnh)",
        "Photograph stall cards (the whole card in the frame; several at once)",
    ),
    "web.check.stall": (
        "Quầy (không bắt buộc: thẻ có mã thẻ tự nhận quầy)",
        "Stall (optional: a card's card code names its stall)",
    ),
    "web.check.who": ("Người kiểm", "Checked by"),
    "web.check.submit": ("Kiểm tra", "Check"),
    "web.check.no_photos": ("Chưa chọn ảnh nào.", "No photo chosen."),
    "web.check.unknown_stall": (
        "Không có quầy {stall} trong sổ quầy.",
        "No stall {stall} in the registry.",
    ),
    "web.check.big.ok": ("ĐÚNG", "OK"),
    "web.check.big.mismatch": ("SAI", "MISMATCH"),
    "web.check.big.unknown": ("LẠ", "UNKNOWN"),
    "web.check.big.not-vietqr": ("KHÔNG PHẢI VIETQR", "NOT VIETQR"),
    "web.check.big.unreadable": ("CHỤP LẠI", "RETAKE"),
    "web.check.stall_label": ("Quầy", "Stall"),
    "web.check.no_stall": ("không rõ quầy", "no stall"),
    "web.check.pays": ("Mã trả vào", "The code pays"),
    "web.check.why": ("Lý do", "Why"),
    "web.check.todo": ("Cần làm", "What to do"),
    "web.check.todo.ok": ("Không cần làm gì.", "Nothing to do."),
    "web.check.todo.mismatch": (
        "Gỡ mã sai ngay, báo ban quản lý chợ, in lại thẻ quầy {stall}.",
        "Take the wrong code down now, tell the market board, reprint stall {stall}'s card.",
    ),
    "web.check.todo.unknown": (
        "Mã không thuộc quầy nào: hỏi chủ quầy và báo ban quản lý chợ.",
        "The code belongs to no stall: ask the stall holder and tell the market board.",
    ),
    "web.check.todo.not-vietqr": (
        "Không phải mã chuyển khoản VietQR: kiểm tra lại mã ở quầy.",
        "Not a VietQR transfer code: look at the code at the stall again.",
    ),
    "web.check.todo.unreadable": ("Chụp lại theo lý do ở trên.", "Take it again as said above."),
    "web.check.logged": (
        "Đã ghi {count} kết quả vào nhật ký (người kiểm: {who}).",
        "Logged {count} result(s) (checked by {who}).",
    ),
    "web.check.repeat": (
        "Lần gửi này đã được ghi rồi; không ghi lại.",
        "This submission was already logged; it is not logged again.",
    ),
    "web.check.again": ("Kiểm tra tiếp", "Check more"),
    "web.audit.title": ("Nhật ký kiểm tra", "Check log"),
    "web.audit.csv": ("Tải CSV", "Download CSV"),
    "web.audit.xlsx": ("Tải Excel", "Download Excel"),
    "web.audit.recent": ("Lần kiểm gần đây", "Recent checks"),
    "web.audit.photo": ("Ảnh", "Photo"),
    "web.audit.none": ("Chưa có lần kiểm nào.", "No checks yet."),
    "web.audit.show_all": ("Tất cả ({count})", "All ({count})"),
    "web.audit.show_open": ("Sai chưa xử lý ({count})", "Open mismatches ({count})"),
    "web.audit.show_never": ("Chưa kiểm ({count})", "Never checked ({count})"),
    "web.fees.title": ("Phí chợ", "Stall fees"),
    "web.fees.status": ("Tháng {period}: ai đã trả, ai chưa", "{period}: who paid, who has not"),
    "web.fees.all_clear": (
        "Mọi quầy đã trả đủ và mọi giao dịch đều khớp.",
        "Every stall has paid exactly and every credit is matched.",
    ),
    "web.fees.imported": (
        "Đã nhập {new} giao dịch mới ({known} đã có từ trước).",
        "Imported {new} new credits ({known} were already there).",
    ),
    "web.fees.show_all": ("Tất cả quầy ({count})", "Every stall ({count})"),
    "web.fees.show_unpaid": (
        "Chưa trả hoặc sai số tiền ({count})",
        "Unpaid or wrong amount ({count})",
    ),
    "web.fees.credits_table": ("Các giao dịch ({count})", "Credits ({count})"),
    "web.fees.xlsx": ("Tải bảng đối soát (Excel)", "Download the reconciliation (Excel)"),
    "web.fees.csv": ("Tải bảng đối soát (CSV)", "Download the reconciliation (CSV)"),
    "web.fees.reconcile": ("Đối soát sao kê ngân hàng", "Reconcile the bank statement"),
    "web.fees.month": ("Tháng", "Month"),
    "web.fees.credits": (
        "Tệp sao kê: CSV, Excel hoặc JSON (chọn được nhiều tệp)",
        "Statement files: CSV, Excel or JSON (several at once)",
    ),
    "web.fees.advanced": ("Sao kê theo mẫu riêng của ngân hàng", "A bank's own export layout"),
    "web.fees.map": (
        "Tên cột của sao kê, vd time='Ngày GD',credit='Ghi có',description='Nội dung'",
        "The export's columns, e.g. time='Date',credit='Credit',description='Details'",
    ),
    "web.fees.time_format": (
        "Định dạng thời gian, vd %d/%m/%Y %H:%M:%S",
        "Time format, e.g. %d/%m/%Y %H:%M:%S",
    ),
    "web.fees.send": ("Đối soát", "Reconcile"),
    "web.fees.same_file": (
        "Gửi lại cùng một sao kê không nhập trùng giao dịch nào.",
        "Sending the same statement again imports no credit twice.",
    ),
    "web.fees.no_file": ("Chưa chọn tệp sao kê nào.", "No statement file chosen."),
    "web.fees.no_fees": (
        "Chưa phát phí cho tháng {period}: tạo phiếu thu của tháng đó trước (ở dưới).",
        "No fees issued for {period}: make that month's slips first (below).",
    ),
    "web.fees.credit_problems": (
        "{source}: {count} dòng lỗi; chưa nhập giao dịch nào của lần gửi này.",
        "{source}: {count} bad rows; no credit of this upload was imported.",
    ),
    "web.fees.issue": ("Phát phiếu thu phí tháng", "Issue a month's fee slips"),
    "web.fees.period": ("Tháng (năm-tháng)", "Month (year-month)"),
    "web.fees.amount": ("Phí mỗi quầy (đồng)", "Fee per stall (dong)"),
    "web.fees.schedule": (
        "Hoặc bảng phí theo quầy hay ngành hàng (CSV: amount, stall_id hoặc category)",
        "Or a fee table by stall or category (CSV: amount, stall_id or category)",
    ),
    "web.fees.account_legend": (
        "Tài khoản của ban quản lý chợ nhận phí (lưu lại cho lần sau)",
        "The market office's account the fees are paid into (kept for next time)",
    ),
    "web.fees.bank": ("Ngân hàng (tên, mã hoặc BIN)", "Bank (name, code or BIN)"),
    "web.fees.account": ("Số tài khoản", "Account number"),
    "web.fees.holder": ("Chủ tài khoản", "Account holder"),
    "web.fees.prefix": (
        "Tiền tố mã thanh toán (để trống: mã chợ)",
        "Payment-code prefix (empty: the market's id)",
    ),
    "web.fees.paper": ("Khổ phiếu", "Slip size"),
    "web.fees.market": ("Tên chợ in trên phiếu", "Market name on the slips"),
    "web.fees.submit": ("Tạo phiếu thu", "Make the slips"),
    "web.fees.reissue": (
        "Phát lại một tháng đã phát sẽ thay phí của tháng đó; giao dịch đã nhập vẫn giữ.",
        "Issuing a month again replaces its fees; the credits imported stay.",
    ),
    "web.fees.issue_problems": (
        "Bảng phí có {count} dòng lỗi; chưa phát phiếu nào:",
        "The fee table has {count} bad rows; no slip was issued:",
    ),
    "web.fees.issued": ("Các tháng đã phát", "Months issued"),
    "web.fees.issued_row": (
        "{period}: {stalls} quầy, {total}",
        "{period}: {stalls} stalls, {total}",
    ),
    "web.fees.none_yet": (
        "Chưa phát phí tháng nào. Chợ có {stalls} quầy.",
        "No month issued yet. The market has {stalls} stalls.",
    ),
    "web.fees.working": ("Đang tạo {cards} phiếu thu…", "Making {cards} fee slips…"),
    "web.fees.done": (
        "Xong: {slips} phiếu thu tháng {period}, tổng {total}.",
        "Done: {slips} fee slips for {period}, {total} in all.",
    ),
    "web.fees.download": ("Tải phiếu thu (PDF)", "Download the slips (PDF)"),
    "web.fees.manifest": ("Tải danh sách phí (CSV)", "Download the fee list (CSV)"),
    "web.fees.failed": ("Không tạo được phiếu thu: {error}", "Could not make the slips: {error}"),
    "web.fees.back": ("Về trang phí chợ", "Back to the fees page"),
    "web.fees.bad_amount": (
        "'{value}' không phải số tiền: ghi số đồng, vd 50.000",
        "'{value}' is not an amount: write whole dong, e.g. 50,000",
    ),
    "web.fees.bad_suffix": (
        "{name}: sao kê phải là tệp .csv, .xlsx hoặc .json",
        "{name}: a statement must be a .csv, .xlsx or .json file",
    ),
    "web.fees.bad_period": (
        "'{value}' không phải một tháng: ghi năm-tháng, vd 2026-12",
        "'{value}' is not a month: write year-month, e.g. 2026-12",
    ),
    "web.fees.unpriced": (
        "Bảng phí chưa có mức phí cho quầy {stalls}: thêm vào bảng, hoặc ghi phí mỗi quầy.",
        "The fee table gives no fee for stall(s) {stalls}: add them, or give a fee per stall.",
    ),
    "web.fees.no_amount": (
        "Ghi phí mỗi quầy, hoặc gửi bảng phí theo quầy hay ngành hàng.",
        "Give the fee per stall, or send a fee table by stall or category.",
    ),
    "web.fees.no_account": (
        "Chưa có tài khoản nhận phí của chợ: ghi ngân hàng và số tài khoản (lưu cho lần sau).",
        "The market's own account is not set yet: give its bank and account number (kept).",
    ),
}


def language(requested: str | None = None) -> str:
    """The language to speak: ``requested``, else ``CASHLESS_LANG``, else the locale, else vi.

    >>> language("en"), language("VI")
    ('en', 'vi')
    """
    for candidate in (requested, os.environ.get("CASHLESS_LANG")):
        if candidate:
            code = candidate.strip().lower()[:2]
            if code not in LANGUAGES:
                raise UsageError(
                    f"unknown language {candidate!r}; choose one of {', '.join(LANGUAGES)}",
                    field="lang",
                )
            return code
    # the POSIX order of precedence; "C"/"POSIX" (a bare server) says nothing about the user
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        current = os.environ.get(variable, "")
        if current and current.split(".")[0] not in ("C", "POSIX"):
            return "vi" if current.lower().startswith("vi") else "en"
    return "vi"


def say(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The message ``key`` in ``lang`` (see :func:`language`), filled with ``fields``.

    >>> say("verify.unreadable.blurry", "en")
    'blurry: take it again, closer'
    """
    try:
        texts = MESSAGES[key]
    except KeyError:
        raise UsageError(f"no message has the key {key!r}", field="key") from None
    template = texts[LANGUAGES.index(language(lang))]
    return template.format(**fields)
