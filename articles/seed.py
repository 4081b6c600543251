"""The seed article: the archived page the product must publish.

Its text is taken from ../shared/seed/000_dd55aa0d2e07bab0.txt (an Asharq
Al-Awsat English archive page), which is the product's acceptance example.
"""

import datetime

SEED_HEADLINE = "Russia Presents Pyongyang with Economic Support to Prevent Deposing Kim Jong-un"
SEED_SLUG = "russia-presents-pyongyang-economic-support-prevent-deposing-kim-jong-un"
SEED_SECTION = "opinion"
SEED_PUBLISHED = datetime.datetime(2017, 6, 20, 9, 0, tzinfo=datetime.UTC)
SEED_BYLINE = "Asharq Al-Awsat"

SEED_MEDIA_ID = 55384539
SEED_CAPTION = (
    "FILE PHOTO: A guard walks along a platform past signs, which read “Russia” (L) and "
    "“DPRK”(Democratic People’s Republic of Korea), at the border crossing between Russia "
    "and North Korea in the settlement of Tumangan, North Korea July 18, 2014."
)
SEED_CREDIT = "REUTERS/Yuri Maltsev/File Photo"
SEED_AGENCY = "Reuters"
SEED_PHOTOGRAPHER = "Yuri Maltsev"

SEED_PARAGRAPHS = [
    "Moscow rushed quietly to propping up Kim Jong-un’s position as supreme leader in North "
    "Korea with added economic support, as it fears that US regional clout could threaten "
    "Russia’s eastern in the future.",
    "Although Russia has an interest in protecting North Korea, it backed tougher United "
    "Nations sanctions against North Korea over its nuclear tests last month.",
    "However, Russia aims to stifle any opposition from springing and ousting Kim Jong-un, "
    "making way for US troops to push closer to its 17km terrestrial border it shares with "
    "North Korea.",
    "According to Reuters, a Russian company began routing North Korean internet traffic this "
    "month, giving Pyongyang a second connection with the outside world besides China. "
    "Bilateral trade more than doubled to $31.4 million in the first quarter of 2017, due "
    "mainly to what Moscow said was higher oil product exports.",
    "If the US deploys troops to the Moscow–Pyongyang route it would represent a direct "
    "military threat for the world’s largest nation.",
    "Russia is already angry about a build-up of US-led NATO forces on its western borders in "
    "Europe and does not want any replication on its Asian border.",
    "Though Moscow wants to try to improve US-Russia relations in the increasingly slim hope of "
    "relief from Western sanctions over Ukraine, it remains strongly opposed to what it sees "
    "as Washington’s meddling in other countries’ affairs.",
    "But Moscow is also playing a fraught double game, by quietly offering North Korea a "
    "slender lifeline to help insulate it from US-led efforts to isolate it economically.",
    "More so, Russian politicians have repeatedly accused the United States of plotting "
    "so-called color revolutions across the former Soviet Union and any US talk of unseating "
    "any leader for whatever reason is politically toxic in Moscow.",
    "Russia’s joint military exercises with neighboring Belarus last month gamed a scenario "
    "where Russian forces put down a Western-backed attempt for part of Belarus to break away.",
]
