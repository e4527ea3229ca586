"""Lines that are page furniture in any language: "Read more: ...", "Share this", "Subscribe", credits, tags."""

from __future__ import annotations

import re

# A short paragraph that opens with one of these cues points to another story (an inline teaser).
RELATED_CUES = [
    r"read (more|also|next)", r"also read", r"see also", r"related( articles?| stories| content)?",
    r"more (on|about) this( story| topic)?", r"recommended", r"you (may|might) also like", r"don'?t miss",
    r"lesen sie (auch|mehr|hier)", r"auch lesen", r"mehr (zum thema|dazu|lesen)", r"weitere artikel", r"weiterlesen",
    r"schon gelesen", r"das könnte sie (auch )?interessieren", r"passend zum thema", r"siehe auch",
    r"lea (también|más)", r"lee (también|más)", r"vea (también|más)", r"ver (también|más)", r"puedes ver",
    r"te puede interesar", r"más sobre", r"(à )?lire aussi", r"voir aussi", r"sur le même sujet",
    r"leggi anche", r"vedi anche", r"leia (também|mais)", r"veja (também|mais)", r"saiba mais",
    r"czytaj (też|także|więcej)", r"zobacz (też|także|również)", r"dowiedz się więcej",
    r"lees (ook|meer)", r"zie ook", r"читайте (также|еще)", r"смотрите также",
]
RELATED = re.compile(r"^\W*(" + "|".join(RELATED_CUES) + r")\b\s*[:\-–—»›>|]?", re.IGNORECASE)

# Whole short lines that are furniture: sharing, subscribing, app and social plugs, log-in state,
# image credits, category and tag lists, "updated on" stamps.
FURNITURE = re.compile(
    r"^\W*("
    r"(share|teilen|partager|compartir|condividi|udostępnij)( (this|on|via|mit|en|sur))?\b.{0,40}"
    r"|(subscribe|sign up|abonnieren|abonnez-vous|suscr[ií]bete|newsletter)\b.{0,120}"
    r"|(follow|folgen sie|suivez|s[ií]guenos)\b.{0,30}\b(on|auf|sur|en) (twitter|facebook|instagram|x|linkedin)\b.{0,120}"
    r"|(download|get) (the|our) .{0,40}\bapps?\b.{0,80}"
    r"|.{0,60}\bdownload the \w+ apps?\b.{0,60}"
    r"|(photo|foto|fotos|bild|image|crédits? photos?|credit|picture)s?\s*:.{0,80}"
    r"|(tags?|schlagw(ö|o)rter?|kategorien?|categor(y|ies|ías?)|temas?|themen|rubrik|etiquetas?)(\s*:.{0,80})?"
    r"|(aktualisiert|updated|actualizado|mis à jour|zuletzt aktualisiert)( am| on| el| le)?\s*:?\s*[\d.,/: -]{4,40}(uhr|am|pm)?"
    r"|(view|show|load|alle|zeige)? ?(\d+ )?(comments?|kommentare?|commentaires?|comentarios?)( anzeigen| \(\d+\))?"
    r"|sie sind (aktuell )?nicht (eingeloggt|angemeldet).{0,40}"
    r"|(log ?in|sign in|anmelden|einloggen|registrieren) (to|um) .{0,60}"
    r"|(advertisement|anzeige|werbung|publicidad|publicité|reklama)\b.{0,60}"
    r")\W*$",
    re.IGNORECASE,
)
MAX_RELATED_CHARS = 220
MAX_FURNITURE_CHARS = 160


def is_furniture(paragraph: str) -> bool:
    """Whether a paragraph of extracted text is page furniture rather than the story."""
    text = paragraph.strip().lstrip("-*•|").strip()
    if len(text) <= MAX_RELATED_CHARS and RELATED.match(text):
        return True
    return len(text) <= MAX_FURNITURE_CHARS and FURNITURE.match(text) is not None
