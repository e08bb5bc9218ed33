"""Demo consent wordings, written for scarclinic. A clinic replaces them with texts its own
legal and medical staff approve; they are illustrations, not legal documents."""

from __future__ import annotations

COMMON_TAIL = (
    "\n\nI can ask questions at any time and I may withdraw this consent before the "
    "procedure without it affecting the rest of my care. I confirm that the medical "
    "history I gave is complete and true to the best of my knowledge."
)

CONSENT_TEXTS: dict[str, tuple[str, str]] = {
    "fat_harvest": (
        "Consent to fat harvest (small-volume liposuction)",
        "A small amount of fat will be taken from my abdomen or thigh under local anaesthesia "
        "through a thin cannula, to prepare a cell product from my own tissue. Expected "
        "effects: bruising, swelling and soreness at the harvest site for one to two weeks. "
        "Possible risks: infection, bleeding, contour irregularity, numbness, and rarely "
        "injury to deeper structures.",
    ),
    "cell_therapy": (
        "Consent to cell therapy for acne scars",
        "My scars will be treated with a cell product (stromal vascular fraction or "
        "adipose-derived or umbilical-cord-derived cells). I understand that cell therapy for "
        "acne scars is investigational in most countries: published studies are small and of "
        "low to moderate quality, and results vary. I have been told the regulatory status of "
        "the product used for me. Results, if any, appear gradually over several months and "
        "may need several sessions. Possible risks: swelling, redness, bruising, lumps, "
        "infection, and unknown long-term effects.",
    ),
    "prp": (
        "Consent to platelet-rich plasma (PRP) treatment",
        "Blood will be drawn from my arm on the day of treatment, concentrated, and applied "
        "to or injected into my skin. Possible effects: redness, swelling, bruising and "
        "tenderness for a few days; rarely infection. PRP is not suitable with some blood "
        "and platelet disorders and some medicines, which I have declared.",
    ),
    "microneedling": (
        "Consent to microneedling",
        "Fine needles will make controlled micro-injuries in my skin to stimulate repair. "
        "Expected: redness and mild swelling for one to three days. Possible risks: "
        "infection, cold sore reactivation, darkening or lightening of the skin, and rarely "
        "scarring. Several sessions some weeks apart are usually needed.",
    ),
    "laser": (
        "Consent to fractional laser resurfacing",
        "A fractional laser will treat columns of skin to remodel scars. Expected: redness, "
        "swelling and crusting for several days. Possible risks: prolonged redness, "
        "hyperpigmentation (more likely in darker skin), hypopigmentation, infection, cold "
        "sore reactivation and scarring. Strict sun protection is needed before and after.",
    ),
    "chemical_peel": (
        "Consent to chemical peel / TCA CROSS",
        "A chemical solution will be applied to my skin or into individual scars. Expected: "
        "stinging, redness, peeling or crusting for several days. Possible risks: "
        "hyperpigmentation, hypopigmentation, infection, and scarring.",
    ),
    "filler": (
        "Consent to dermal filler for acne scars",
        "A filler will be injected beneath depressed scars to lift them. Results are "
        "temporary for most fillers. Possible risks: bruising, swelling, lumps, infection, "
        "allergic reaction (a skin test is needed for some products), and rarely blockage of "
        "a blood vessel, which can cause skin loss or, very rarely, visual loss.",
    ),
    "subcision": (
        "Consent to subcision",
        "A needle will be passed under tethered scars to release them. Expected: bruising and "
        "swelling for up to two weeks. Possible risks: bleeding, infection, lumps, and "
        "incomplete improvement needing repeat sessions.",
    ),
    "photography": (
        "Consent to clinical photography",
        "Standard photographs of my face will be taken before, during and after treatment "
        "for my clinical record. They are stored securely and shown only to staff caring for "
        "me. Use for teaching or publicity needs my separate, explicit agreement, which I can "
        "withdraw at any time.",
    ),
}
