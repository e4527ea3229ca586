"""Lines that are page furniture in any language: "Read more: ...", "Share this", "Subscribe", credits, tags."""

from __future__ import annotations

import re

# Cues that open sentences of stories too ("In case you missed it, the council ..."): only as a heading.
HEADING_ONLY = r"(?=\s*([:»›>|–—-]|$))"
# A short paragraph that opens with one of these cues points to another story (an inline teaser).
RELATED_CUES = [
    r"read (more|also|next)",
    r"also read",
    r"see also",
    # "Related" with what follows named, or heading up to three words: "Related to the above: I wrote ..."
    # opens a paragraph of a story.
    r"related( articles?| stories| content| posts?| reading| reads| coverage| links| topics| reports)",
    r"related(?! to\b)( [\w-]+){0,3}" + HEADING_ONLY,
    r"more (on|about) this( story| topic)?",
    r"recommended",
    r"you (may|might) also like",
    r"don'?t miss",
    r"in case you missed (it|this)( earlier)?" + HEADING_ONLY,
    r"lesen sie (auch|mehr|hier)",
    r"auch lesen",
    r"mehr (zum thema|dazu|lesen)",
    r"weitere artikel",
    r"ähnliche (themen|artikel|beiträge)" + HEADING_ONLY,
    r"weiterlesen",
    r"schon gelesen",
    r"das könnte sie (auch )?interessieren",
    r"passend zum thema",
    r"siehe auch",
    r"lea (también|más)",
    r"lee (también|más)",
    r"vea (también|más)",
    r"ver (también|más)",
    r"puedes ver",
    r"te puede interesar",
    r"más sobre",
    r"(à )?lire aussi",
    r"voir aussi",
    r"sur le même sujet",
    r"leggi anche",
    r"vedi anche",
    r"leia (também|mais)",
    r"veja (também|mais)",
    r"saiba mais",
    r"czytaj (też|także|więcej)",
    r"zobacz (też|także|również)",
    r"dowiedz się więcej",
    r"le puede interesar",
    r"mire",
    r"zum weiterlesen",
    r"weiterführende links",
    r"quellenangaben",
    r"auch interessant",
    r"das (thema )?könnte (dich|sie) (auch )?interessieren",
    r"(weitere|mehr|top)[- ]themen",
    r"weitere aktuelle themen",
    r"vorschau auf den nächsten artikel",
    r"pour lire la suite",
    r"pour accéder",
    r"inhaltsverzeichnis",
    r"kontakt",
    r"ansprechpartner(in)?( zum thema)?",
    r"teilnehmende blogs",
    r"originalpublikation",
    r"ten tekst przeczytasz",
    r"lees (ook|meer)",
    r"zie ook",
    r"читайте (также|еще)",
    r"смотрите также",
]
# Cues of one word are common words too ("Kontakt zu den Behörden ..."): only with a separator or alone.
ONE_WORD = [cue for cue in RELATED_CUES if re.fullmatch(r"[\w()?|]+", cue.replace("(", "").replace(")", ""))]
RELATED = re.compile(
    r"^\W*((" + "|".join(c for c in RELATED_CUES if c not in ONE_WORD) + r")\b"
    r"|(" + "|".join(ONE_WORD) + r")\s*([:»›>|–—-]|$))"
)

# Whole short lines that are furniture: sharing, subscribing, app and social plugs, log-in state,
# image credits, category and tag lists, "updated on" stamps.
FURNITURE = re.compile(
    r"^\W*("
    r"(share|teilen|partager|compartir|condividi|udostępnij)( (this|on|via|mit|en|sur))?\b.{0,40}"
    r"|(subscribe|sign up|abonnieren|abonnez-vous|suscr[ií]bete|newsletter)\b.{0,120}"
    r"|(follow|folgen sie|suivez|s[ií]guenos)\b.{0,30}"
    r"\b(on|auf|sur|en) (twitter|facebook|instagram|x|linkedin)\b.{0,120}"
    r"|(download|get) (the|our) .{0,40}\bapps?\b.{0,80}"
    r"|.{0,60}\bdownload the \w+ apps?\b.{0,60}"
    r"|(photo|foto|fotos|bild|image|crédits? photos?|credit|picture)s?\s*:.{0,80}"
    r"|(tags?|schlagw(ö|o)rter?|kategorien?|categor(y|ies|ías?)|temas?|themen|rubrik|etiquetas?)(\s*:.{0,80})?"
    r"|(aktualisiert|updated|actualizado|mis à jour|zuletzt aktualisiert)"
    r"( am| on| el| le)?\s*:?\s*[\d.,/: -]{4,40}(uhr|am|pm)?"
    r"|(view|show|load|alle|zeige)? ?(\d+ )?(comments?|kommentare?|commentaires?|comentarios?)( anzeigen| \(\d+\))?"
    r"|sie sind (aktuell )?nicht (eingeloggt|angemeldet).{0,40}"
    r"|(log ?in|sign in|anmelden|einloggen|registrieren) (to|um) .{0,60}"
    r"|(advertisement|anzeige|werbung|publicidad|publicité|reklama)\b.{0,60}"
    r")\W*$"
)
# Phrases that only appeals, notices and legal lines use, wherever they sit in a short paragraph.
APPEAL = re.compile(
    r"\b(all rights reserved|alle rechte vorbehalten|todos los derechos reservados|tous droits réservés"
    r"|written permission|click here|klicken sie hier|hier klicken|haga clic|cliquez ici"
    # Words a story's sentence uses too ("I subscribe to", "we must support our farmers", "Google's new
    # privacy policy", "cookies and bagels") count only as a notice or an appeal puts them.
    r"|(^|[.!?:]\s+|please |and )subscribe (to|now|today)|subscribe to (our|my|this)|free sign ?up"
    r"|support (independent|our|my) (\w+ )?(journalism|reporting|work|mission|newsroom|magazine|site|blog)"
    r"|support us|donate (now|today|here)|spenden sie"
    r"|affiliate[- ]links?|may (receive|earn) (a )?(small )?(commission|compensation)|our advertisers"
    r"|letters? to the editor|follow us|folgen sie uns|síguenos|suivez-nous|suscr[ií]bete|jetzt abonnieren"
    r"|newsletter abonnieren|mit der registrierung akzeptieren|datenschutzerklärung"
    r"|our ([\w&,]+ ){0,4}privacy (policy|notice|statement)|privacy policy (found )?here"
    r"|cookies? (policy|settings|preferences|consent|notice)|cookies? (is|are) (set|used|stored)|necessary cookies"
    r"|(accept|allow|enable|disable|block|manage)( all| the| our| these| your)?( \w+)? cookies"
    r"|(we|site|website|webseite|page)\b[\w ,-]{0,60}?\b(use|uses|using)( [\w-]+){0,3} cookies"
    r"|wir verwenden cookies|nous utilisons des cookies|this article is the copyrighted"
    r"|newsletter-?(anmeldung|abonnieren|archiv)"
    r"|(zum|unser\w*|our|den|im kostenlosen|free|to the) ([\w-]+ )?\w*newsletter"
    r"|kommentare? (insgesamt|schreiben|erscheinen)|keine kommentare"
    r"|verraten sie (gerne|uns) in den kommentaren|eingeloggt"
    r"|klicken sie auf|unterstütze|wesprzyj|subskrypcj\w*|prawem autorskim|our (editorial )?standards(?=\s*:)"
    r"|about our (editorial )?standards|our editorial (policy|standards|guidelines))\b"
)
# A caption: a short line ending in a photo credit, "(Foto: Agency)" or "Photo: Agency".
CAPTION = re.compile(
    r"[(\[|]\s*(foto|photo|fotos|bild|image|credit|crédit|imagen)s?\s*[:/].{1,80}[)\]|]?\.?\s*$"
    r"|^\W*(fot\.|titelbild|beitragsbild|bildquelle|image illustrative|photo credit|copyright\s*:)"
    r"|©\s*[\w.-]+( ?/ ?[\w. -]+)?\.?\s*$"
)
# A line that is a full date or a time with at most two other words: "23.10.2018", "| 3:59 PM Briefe |".
# (Not a bare year: "Windows Server 2016" or "Nominierung, 2006" in a list are content.)
DATE_TOKEN = re.compile(
    r"\b(\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|(?<![\d:])\d{1,2}:\d{2}(?!:?\d)( ?[ap]m)?"
    r"|\d{1,2}\.? (jan|feb|mär|mar|apr|ma[iy]|jun|jul"
    r"|aug|sep|o[ck]t|nov|de[cz])\w*\.? \d{4})\b"
)
# A line that is only a date stamp with a label: "Letzte Änderung 14.02.2019", "News date : 04/21/2022".
_STAMP_LABEL = (
    r"(letzte änderung|zuletzt (geändert|aktualisiert)|veröffentlicht( am)?|news date|published( on)?"
    r"|video verfügbar bis|stand|written|posted( on)?|erstellt( am)?|updated( on)?)"
)
# After its label a stamp has a date (a digit), a byline, or nothing: "Standout features", "Written
# communication" and "Posted in News Release" are headings.
STAMP = re.compile(
    rf"^\W*{_STAMP_LABEL}\b\s*:?\s*((by|von|am|on|at|um|le|el)\b[\w .,/:-]{{0,37}}|(?=[^\d]*\d)[\w .,/:-]{{1,40}})?$"
    # Two stamps on one line: "Written: 2023-11-07 15:03:30 / Updated: 2023-11-07 15:30:46".
    rf"|^\W*{_STAMP_LABEL}\s*:?\s*[\d .,:-]{{6,25}}[/|]\s*{_STAMP_LABEL}\s*:?\s*[\d .,:-]{{6,25}}$"
)
MAX_RELATED_CHARS = 220
MAX_FURNITURE_CHARS = 160
MAX_APPEAL_CHARS = 300


def is_furniture(paragraph: str) -> bool:
    """Whether a paragraph of extracted text is page furniture rather than the story."""
    # The patterns are written in lower case and read the lowered text: a third of the time they took
    # with re.IGNORECASE, which compares each character both ways at every place an alternative may start.
    text = paragraph.strip().lstrip("-*•|").strip().lower()
    if len(text) <= MAX_RELATED_CHARS and (RELATED.match(text) or CAPTION.search(text) or STAMP.match(text)):
        return True
    if len(text) <= 60 and DATE_TOKEN.search(text) and len(DATE_TOKEN.sub(" ", text).split()) <= 2:
        return True
    if len(text) <= MAX_APPEAL_CHARS and (text.startswith("©") or APPEAL.search(text)):
        return True
    return len(text) <= MAX_FURNITURE_CHARS and FURNITURE.match(text) is not None
