"""Words of the supervisor pages in Persian and English (the desk's live in words.py)."""

from __future__ import annotations

ADMIN_WORDS: dict[str, dict[str, str]] = {
    "fa": {
        "overview": "نمای کلی", "users": "کاربران و نقش‌ها", "teams_skills": "تیم‌ها و مهارت‌ها",
        "agents": "کارشناسان", "rules": "قواعد مسیریابی", "sla": "سطح خدمت (SLA)",
        "calendar": "تقویم کاری", "workspace_settings": "تنظیمات فضای کاری",
        "admin_menu": "بخش‌های تنظیمات",
        "pages_need_person": "این صفحه‌ها برای افراد است؛ با ایمیل و گذرواژه وارد شوید.",
        "only_admins": (
            "این صفحه فقط برای مدیران است؛ اگر به آن نیاز دارید از مدیر فضای کاری "
            "بخواهید."
        ),
        "only_supervisors": (
            "این صفحه فقط برای سرپرستان و مدیران است؛ اگر به آن نیاز دارید از "
            "سرپرست خود بخواهید."
        ),
        "form_expired": "فرم منقضی شده است؛ صفحه را دوباره بارگذاری کنید و دوباره بفرستید.",
        "bad_number": "«{field}» باید عددی صحیح از {low} تا {high} باشد.",
        "bad_hours": (
            "«{field}»: «\u2066{value}\u2069» بازهٔ زمانی درستی نیست؛ مانند \u2066۰۸:۰۰-۱۷:۰۰\u2069 "
            "بنویسید."
        ),
        "bad_date": (
            "«{value}» تاریخ درستی نیست؛ مانند \u2066۱۴۰۵/۰۱/۱۵\u2069 یا \u20662026-04-04\u2069 "
            "بنویسید."
        ),
        "need_name": "نام را بنویسید.", "bad_choice": "گزینهٔ «{value}» برای «{field}» معتبر نیست.",
        "done_saved": "ذخیره شد.", "done_created": "ساخته شد.", "done_deleted": "حذف شد.",
        "done_moved": "ترتیب تغییر کرد.", "could_not_save": "ذخیره نشد", "new_user": "کاربر تازه",
        "change_role": "تغییر نقش", "deactivate": "غیرفعال‌سازی", "reactivate": "فعال‌سازی دوباره",
        "active": "فعال", "inactive": "غیرفعال", "actions": "کارها",
        "last_admin_note": "فضای کاری همیشه دست‌کم یک مدیر فعال دارد.", "create": "ساختن",
        "new_team": "تیم تازه", "rename": "نام تیم", "members": "اعضا",
        "handles_categories": "دسته‌هایی که رسیدگی می‌کند", "handles_languages": "زبان‌ها",
        "handles_channels": "گونه‌های کانال", "none_is_any": "هیچ‌کدام = همه", "edit": "ویرایش",
        "skills": "مهارت‌ها", "capacity": "ظرفیت (واحد)",
        "channel_weights": "وزن هر گفت‌وگو بر پایهٔ کانال", "working_hours": "ساعت‌های کاری",
        "working_hours_hint": (
            "مانند \u2066۰۸:۰۰-۱۷:۰۰\u2069؛ چند بازه را با ویرگول جدا کنید؛ خالی = کار "
            "نمی‌کند. اگر همهٔ روزها خالی باشند، هر زمان که آنلاین است."
        ),
        "presence": "حضور", "online": "آنلاین", "away": "غایب", "offline": "آفلاین",
        "set_presence": "تغییر حضور", "you": "شما", "bad_email": "نشانی ایمیل درست نیست.",
        "password_hint": "دست‌کم ۸ نویسه",
        "weights_hint": "خالی = مقدار پیش‌فرض که کم‌رنگ نوشته شده", "default": "پیش‌فرض",
        "always": "هر زمان", "new_rule": "قاعدهٔ تازه", "rule": "قاعده", "order": "ترتیب",
        "first_match_wins": (
            "قاعده‌ها به همین ترتیب آزموده می‌شوند و نخستین قاعدهٔ منطبق برنده است؛"
            " قاعدهٔ پیش‌فرض همیشه آخر است."
        ),
        "conditions": "شرط‌ها",
        "conditions_hint": "همهٔ شرط‌های داده‌شده باید برقرار باشند؛ شرط خالی یعنی «هر چه باشد».",
        "effects": "نتیجه", "is_active": "فعال است", "is_default": "قاعدهٔ پیش‌فرض (آخر از همه)",
        "priorities": "اولویت‌ها", "sentiments": "احساس‌ها", "languages": "زبان‌ها",
        "channels": "کانال‌ها", "categories": "دسته‌ها", "is_public": "پیام عمومی",
        "is_vip": "مشتری ویژه", "keywords": "کلیدواژه‌ها",
        "keywords_hint": "با ویرگول یا خط تازه جدا کنید؛ ي و ك عربی با ی و ک فارسی یکی است.",
        "team_target": "تیم", "no_team": "بدون تیم (نخستین تیمی که مهارتش می‌خورد)",
        "priority_override": "اولویت تازه", "keep_priority": "بدون تغییر", "tags": "برچسب‌ها",
        "tags_hint": "با ویرگول جدا کنید", "handling": "شیوهٔ رسیدگی",
        "handling_agent": "کارشناس پاسخ می‌دهد", "handling_bot": "ربات و پایگاه دانش",
        "handling_ticket": "تیکت باز می‌شود", "handling_invite_private": "دعوت به گفت‌وگوی خصوصی",
        "yes": "بله", "no": "خیر", "move_up": "بالاتر", "move_down": "پایین‌تر",
        "summary": "به زبان ساده",
        "no_rules": "هنوز قاعده‌ای نیست؛ هر پیام را کارشناسی پاسخ می‌دهد.",
        "confirm_delete": "حذف شود؟", "cancel": "انصراف", "off": "خاموش",
        "first_response": "نخستین پاسخ", "next_response": "پاسخ بعدی", "resolution": "حل",
        "warn_at": "هشدار در (٪)", "minutes": "دقیقه", "hours_unit": "ساعت",
        "sla_hint": (
            "زمان‌ها به وقت کاری تقویم فضای کاری شمرده می‌شوند؛ سیاست تازه برای "
            "ساعت‌هایی است که از این پس آغاز می‌شوند."
        ),
        "weekly_hours": "ساعت‌های کاری هفته",
        "weekly_hint": (
            "مانند \u2066۰۸:۰۰-۱۷:۰۰\u2069؛ چند بازه را با ویرگول جدا کنید؛ خالی = تعطیل."
        ),
        "calendar_name": "نام تقویم", "holidays": "تعطیلات", "day": "روز", "date": "تاریخ",
        "kind": "گونه", "kind_solar": "خورشیدی (ثابت)", "kind_lunar": "قمری",
        "kind_custom": "افزوده‌شده", "shipped": "پیش‌فرض",
        "unverified": "تاریخ محاسبه‌شده؛ با تقویم رسمی بسنجید", "add_holiday": "افزودن تعطیلی",
        "date_hint": (
            "تاریخ خورشیدی مانند \u2066۱۴۰۵/۰۱/۱۵\u2069 یا میلادی مانند \u20662026-04-04\u2069"
        ),
        "holiday_name": "مناسبت", "no_holidays": "تعطیلی ثبت نشده است.", "wd_0": "دوشنبه",
        "wd_1": "سه‌شنبه", "wd_2": "چهارشنبه", "wd_3": "پنجشنبه", "wd_4": "جمعه", "wd_5": "شنبه",
        "wd_6": "یکشنبه", "default_language": "زبان پیش‌فرض",
        "technical_policy": "مشکل فنی در پیام عمومی", "technical_ticket": "تیکت باز شود",
        "technical_invite_private": "به گفت‌وگوی خصوصی دعوت شود", "surveys": "نظرسنجی پس از حل",
        "survey_enabled": "نظرسنجی فرستاده شود", "survey_kind": "گونهٔ نظرسنجی",
        "survey_delay": "چند دقیقه پس از حل", "survey_window": "مهلت پاسخ (ساعت)",
        "survey_channels": "کانال‌ها", "csat": "رضایت (CSAT)", "nps": "احتمال پیشنهاد (NPS)",
        "triage_model": "مدل دسته‌بندی و اولویت", "model_version": "نسخهٔ در حال کار",
        "loaded_at": "بارگذاری", "model_refused": "مدل تازه پذیرفته نشد",
        "corrections": "اصلاح‌های کارشناسان", "download_jsonl": "دریافت JSONL",
        "corrections_hint": "هر اصلاح یک نمونهٔ آموزشی است؛ با «pasokh triage train --corpus "
        "--corrections <شناسه>» مدل تازه بسازید؛ سرویس بی‌راه‌اندازی دوباره به آن می‌رود.",
        "ces": "آسانی (CES)", "ch_instagram": "اینستاگرام", "ch_telegram": "تلگرام",
        "ch_whatsapp": "واتس‌اپ", "ch_webchat": "گفت‌وگوی وب‌سایت", "ch_email": "ایمیل",
        "ch_sms": "پیامک", "ch_phone": "تلفن", "ch_api": "API", "sum_if": "اگر", "sum_and": "، و ",
        "sum_or": " یا ", "sum_everything": "هر پیام", "sum_else": "هر پیام دیگر",
        "sum_category": "دسته {v} باشد", "sum_priority": "اولویت {v} باشد",
        "sum_sentiment": "احساس {v} باشد", "sum_language": "زبان {v} باشد",
        "sum_channel": "کانال {v} باشد", "sum_public_yes": "پیام عمومی باشد",
        "sum_public_no": "پیام خصوصی باشد", "sum_vip_yes": "مشتری ویژه باشد",
        "sum_vip_no": "مشتری ویژه نباشد", "sum_keywords": "متن شامل {v} باشد",
        "sum_team": "تیم {v}", "sum_any_team": "تیمی که مهارتش می‌خورد",
        "sum_priority_to": "اولویت: {v}", "sum_tags": "برچسب: {v}", "sum_inactive": "(خاموش)",
    },
    "en": {
        "overview": "Overview", "users": "Users and roles", "teams_skills": "Teams and skills",
        "agents": "Agents", "rules": "Routing rules", "sla": "Service levels (SLA)",
        "calendar": "Business calendar", "workspace_settings": "Workspace settings",
        "admin_menu": "Settings sections",
        "pages_need_person": "Pages are for people; log in with your e-mail and password.",
        "only_admins": "This page is for admins only; ask your workspace admin if you need it.",
        "only_supervisors": (
            "This page is for supervisors and admins only; ask your supervisor if "
            "you need it."
        ),
        "form_expired": "The form expired; reload the page and send it again.",
        "bad_number": "'{field}' must be a whole number from {low} to {high}.",
        "bad_hours": "'{field}': '{value}' is not a time span; write it like 08:00-17:00.",
        "bad_date": "'{value}' is not a date; write it like 2026-04-04 or 1405/01/15 (Jalali).",
        "need_name": "Write a name.",
        "bad_choice": "'{value}' is not a valid choice for '{field}'.", "done_saved": "Saved.",
        "done_created": "Created.", "done_deleted": "Deleted.", "done_moved": "Order changed.",
        "could_not_save": "Not saved", "new_user": "New user", "change_role": "Change role",
        "deactivate": "Deactivate", "reactivate": "Reactivate", "active": "active",
        "inactive": "inactive", "actions": "Actions",
        "last_admin_note": "The workspace always keeps at least one active admin.",
        "create": "Create", "new_team": "New team", "rename": "Team name", "members": "Members",
        "handles_categories": "Categories it handles", "handles_languages": "Languages",
        "handles_channels": "Channel kinds", "none_is_any": "none ticked = any", "edit": "Edit",
        "skills": "Skills", "capacity": "Capacity (units)",
        "channel_weights": "Units one conversation costs, per channel",
        "working_hours": "Working hours",
        "working_hours_hint": (
            "Like 08:00-17:00; separate several spans with commas; empty = not "
            "working. All days empty = whenever online."
        ),
        "presence": "Presence", "online": "Online", "away": "Away", "offline": "Offline",
        "set_presence": "Set presence", "you": "you",
        "bad_email": "The e-mail address is not valid.", "password_hint": "at least 8 characters",
        "weights_hint": "empty = the default shown in grey", "default": "default",
        "always": "whenever online", "new_rule": "New rule", "rule": "Rule", "order": "Order",
        "first_match_wins": (
            "Rules are tried in this order and the first that matches wins; default"
            " rules always come last."
        ),
        "conditions": "Conditions",
        "conditions_hint": "All given conditions must hold; an empty condition means 'any'.",
        "effects": "Then", "is_active": "Active", "is_default": "Default rule (tried last)",
        "priorities": "Priorities", "sentiments": "Sentiments", "languages": "Languages",
        "channels": "Channels", "categories": "Categories", "is_public": "Public post",
        "is_vip": "VIP customer", "keywords": "Keywords",
        "keywords_hint": (
            "Separate with commas or new lines; Arabic and Persian letter forms "
            "match."
        ),
        "team_target": "Team", "no_team": "No team (the first team whose skills fit)",
        "priority_override": "New priority", "keep_priority": "unchanged", "tags": "Tags",
        "tags_hint": "separate with commas", "handling": "Handling",
        "handling_agent": "an agent answers", "handling_bot": "bot and knowledge base",
        "handling_ticket": "open a ticket",
        "handling_invite_private": "invite to a private channel", "yes": "yes", "no": "no",
        "move_up": "Up", "move_down": "Down", "summary": "In plain words",
        "no_rules": "No rules yet: an agent handles every message.", "confirm_delete": "Delete?",
        "cancel": "Cancel", "off": "off", "first_response": "First response",
        "next_response": "Next response", "resolution": "Resolution", "warn_at": "Warn at (%)",
        "minutes": "minutes", "hours_unit": "hours",
        "sla_hint": (
            "Times count business time of the workspace calendar; a change applies "
            "to clocks started from now on."
        ),
        "weekly_hours": "Weekly hours",
        "weekly_hint": "Like 08:00-17:00; separate several spans with commas; empty = closed.",
        "calendar_name": "Calendar name", "holidays": "Holidays", "day": "Day", "date": "Date",
        "kind": "Kind", "kind_solar": "solar (fixed)", "kind_lunar": "lunar",
        "kind_custom": "added", "shipped": "shipped",
        "unverified": "computed date; check the official calendar", "add_holiday": "Add a holiday",
        "date_hint": "2026-04-04, or Jalali like 1405/01/15", "holiday_name": "Occasion",
        "no_holidays": "No holidays.", "wd_0": "Monday", "wd_1": "Tuesday", "wd_2": "Wednesday",
        "wd_3": "Thursday", "wd_4": "Friday", "wd_5": "Saturday", "wd_6": "Sunday",
        "default_language": "Default language",
        "technical_policy": "Technical problem in a public post",
        "technical_ticket": "open a ticket",
        "technical_invite_private": "invite to a private channel",
        "surveys": "Survey after resolution", "survey_enabled": "Send surveys",
        "survey_kind": "Survey kind", "survey_delay": "Minutes after resolution",
        "survey_window": "Answer window (hours)", "survey_channels": "Channels",
        "csat": "Satisfaction (CSAT)", "nps": "Net promoter (NPS)", "ces": "Effort (CES)",
        "triage_model": "Triage model", "model_version": "Serving", "loaded_at": "loaded",
        "model_refused": "new model refused", "corrections": "Agents' corrections",
        "download_jsonl": "download JSONL",
        "corrections_hint": "Each correction is a training example: retrain with "
        "'pasokh triage train --corpus --corrections <slug>'; the service switches to the new "
        "model without a restart.",
        "ch_instagram": "Instagram", "ch_telegram": "Telegram", "ch_whatsapp": "WhatsApp",
        "ch_webchat": "Website chat", "ch_email": "E-mail", "ch_sms": "SMS", "ch_phone": "Phone",
        "ch_api": "API", "sum_if": "If", "sum_and": ", and ", "sum_or": " or ",
        "sum_everything": "Every message", "sum_else": "Every other message",
        "sum_category": "the category is {v}", "sum_priority": "the priority is {v}",
        "sum_sentiment": "the sentiment is {v}", "sum_language": "the language is {v}",
        "sum_channel": "the channel is {v}", "sum_public_yes": "the post is public",
        "sum_public_no": "the message is private", "sum_vip_yes": "the customer is a VIP",
        "sum_vip_no": "the customer is not a VIP", "sum_keywords": "the text mentions {v}",
        "sum_team": "team {v}", "sum_any_team": "the team whose skills fit",
        "sum_priority_to": "priority becomes {v}", "sum_tags": "tags: {v}", "sum_inactive": "(off)",
    },
}
