"""De-identify a dataset with the DICOM basic application level confidentiality profile.

The profile is DICOM PS3.15 2024b, Annex E, Table E.1-1 ("Basic Prof." column), shipped as the package data
file ``basic_profile.tsv`` and read with :mod:`importlib.resources`; :data:`BASIC_PROFILE` maps each tag to its
action code and :data:`BASIC_PROFILE_EDITION` names the edition. :func:`deidentify` applies it to a copy,
replaces UIDs consistently, removes private elements and flags images that may show burned-in text.
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import pydicom.uid as _uid
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag

from .errors import BurnedInTextWarning
from .io import _describe

# --------------------------------------------------------------------------------------------------
# De-identification: DICOM PS3.15 Annex E, Basic Application Level Confidentiality Profile
# --------------------------------------------------------------------------------------------------
# Table E.1-1, "Basic Prof." column, as tab-separated "gggg,eeee action Keyword" rows. Action codes
# (PS3.15 Table E.1-1a): D dummy value consistent with the VR, Z zero length (or dummy), X remove, K keep,
# C clean, U replace UID consistently. "xx" marks repeating groups (50xx, 60xx).
_PROFILE_FILE = "basic_profile.tsv"
_EDITION_LINE = re.compile(r"# DICOM PS3\.15 (\d{4}[a-z]) Table E\.1-1")


def _load_profile(name: str = _PROFILE_FILE) -> tuple[str, dict[str, tuple[str, str]]]:
    """Edition and rows of the packaged Table E.1-1 copy (see :func:`_parse_profile`)."""
    return _parse_profile(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"), name)


def _parse_profile(text: str, source: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """Parse a Table E.1-1 copy: its edition (e.g. "2024b") and "(gggg,eeee)" -> (action code, keyword)."""
    lines = text.splitlines()
    editions = [m.group(1) for m in map(_EDITION_LINE.match, lines) if m]
    if len(editions) != 1:
        raise ValueError(f"{source}: expected one '# DICOM PS3.15 <edition> Table E.1-1' line, found {len(editions)}")
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    if not rows or rows[0] != ["tag", "action", "keyword"] or any(len(row) != 3 for row in rows):
        raise ValueError(f"{source}: expected a 'tag<TAB>action<TAB>keyword' header and three columns in every row")
    table = {f"({tag})": (action, keyword) for tag, action, keyword in rows[1:]}
    if len(table) != len(rows) - 1:
        raise ValueError(f"{source}: {len(rows) - 1 - len(table)} tag(s) listed twice; keep one row per tag")
    return editions[0], table


_EDITION, _PROFILE = _load_profile()
#: Edition of the DICOM standard that :data:`BASIC_PROFILE` comes from, e.g. "2024b".
BASIC_PROFILE_EDITION: str = _EDITION
#: PS3.15 Table E.1-1 basic profile: "(gggg,eeee)" -> (action code, attribute name). Compound codes
#: such as "X/Z" are kept as in the standard; :func:`deidentify` resolves them (see its Notes).
BASIC_PROFILE: Mapping[str, tuple[str, str]] = MappingProxyType(_PROFILE)
_EXACT_ACTIONS = {int(key[1:5] + key[6:10], 16): code for key, (code, _) in BASIC_PROFILE.items() if "x" not in key}

# Compound codes keep the IOD valid (PS3.15 E.1.1: "X/D: X unless D is required to maintain IOD conformance
# (Type 1)", "X/Z/D", "Z/D" likewise for Type 2 versus Type 1). The course cannot encode every IOD, so it lists
# the profile's compound-coded attributes that are Type 1 or 1C (need a value: D) or Type 2 (need the element:
# Z) in a module of the IODs it reads, writes or de-identifies (CT, MR, enhanced CT/MR, US, CR, SC), from the
# PS3.3 2024b module tables:
_NEEDS_VALUE = frozenset({
    0x00080023, 0x00080033,  # Content Date/Time: Type 1, Multi-frame Functional Groups Module (C.7.6.16)
    0x00181000,  # Device Serial Number: Type 1, Enhanced General Equipment Module (C.7.5.2)
    0x0008002A,  # Acquisition DateTime: Type 1C, Enhanced MR Image (C.8.13.1) and Enhanced CT Image (C.8.15.2)
})
_NEEDS_ELEMENT = frozenset({
    0x00400555,  # Acquisition Context Sequence: Type 2, Acquisition Context Module (C.7.6.14)
})

# Dummy values for action D, one per VR (PS3.5 Table 6.2-1 limits respected: CS <= 16 chars, AE <= 16).
_DUMMIES: Mapping[str, Any] = MappingProxyType({
    "AE": "ANONYMOUS", "AS": "000Y", "CS": "ANONYMIZED", "DA": "19000101", "DS": "0",
    "DT": "19000101000000", "IS": "0", "LO": "ANONYMIZED", "LT": "ANONYMIZED", "PN": "ANONYMIZED",
    "SH": "ANONYMIZED", "ST": "ANONYMIZED", "TM": "000000", "UC": "ANONYMIZED", "UR": "ANONYMIZED",
    "UT": "ANONYMIZED", "FL": 0.0, "FD": 0.0, "SL": 0, "SS": 0, "SV": 0, "UL": 0, "US": 0, "UV": 0,
    "AT": 0, "OB": b"\x00\x00", "OD": b"\x00" * 8, "OF": b"\x00" * 4, "OL": b"\x00" * 4,
    "OV": b"\x00" * 8, "OW": b"\x00\x00", "UN": b"\x00\x00",
})

# Secondary Capture SOP classes (PS3.4 B.5): screenshots and scans that often carry burned-in text.
_SECONDARY_CAPTURE = frozenset({
    _uid.SecondaryCaptureImageStorage, _uid.MultiFrameSingleBitSecondaryCaptureImageStorage,
    _uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    _uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    _uid.MultiFrameTrueColorSecondaryCaptureImageStorage,
})
_BURNED_IN_MODALITIES = frozenset({"US", "SC", "XC", "ES"})
# File meta elements naming the sending/receiving systems: removed too (beyond Table E.1-1).
_META_REMOVE = ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                "ReceivingApplicationEntityTitle", "PrivateInformationCreatorUID", "PrivateInformation")


@dataclass(frozen=True)
class DeidAction:
    """One change made by :func:`deidentify`.

    Attributes
    ----------
    path : str
        Where the element was, e.g. ``"PatientName"`` or ``"ReferencedStudySequence[0].PatientName"``.
    tag : str
        ``"(gggg,eeee)"``.
    action : str
        The applied code: "X" removed, "Z" emptied, "D" dummy value, "U" UID replaced.
    rule : str
        Why: the profile code (e.g. "X/Z/D"), "private", or "file meta".
    """

    path: str
    tag: str
    action: str
    rule: str


@dataclass
class DeidResult:
    """What :func:`deidentify` returns.

    Attributes
    ----------
    dataset : pydicom.dataset.Dataset
        The de-identified copy (the input is not modified).
    actions : list of DeidAction
        Every element removed, emptied, replaced or given a new UID.
    flags : list of str
        Problems the profile cannot fix, e.g. text burned into the pixels. Empty when none.
    uid_map : dict
        Original UID -> new UID, for every UID replaced (pass it to the next call for consistency).
    """

    dataset: Dataset
    actions: list[DeidAction]
    flags: list[str]
    uid_map: dict[str, str]

    def counts(self) -> dict[str, int]:
        """Number of actions per action code, e.g. ``{"X": 12, "Z": 7, "U": 4}``."""
        out: dict[str, int] = {}
        for a in self.actions:
            out[a.action] = out.get(a.action, 0) + 1
        return out


@dataclass
class _DeidContext:
    salt: bytes
    uid_map: dict[str, str]
    keep: frozenset[int]
    actions: list[DeidAction]


def deidentify(
    ds: Dataset,
    *,
    uid_map: dict[str, str] | None = None,
    salt: str | bytes | None = None,
    keep: Iterable[str | int] = (),
) -> DeidResult:
    """De-identify a dataset with the DICOM basic confidentiality profile (PS3.15 Annex E).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The dataset to de-identify; it is not modified.
    uid_map : dict, optional
        Original UID -> replacement UID. Used first and updated in place with every new UID, so
        passing the same dict to every file of a study keeps references (study, series, frame of
        reference, referenced SOP instances) consistent.
    salt : str or bytes, optional
        Secret mixed into the hash that derives new UIDs: the same salt and UID always give the same
        new UID (reproducible across runs). Default: a random salt, so new UIDs cannot be linked back
        to the originals by anyone who does not know it.
    keep : iterable of str or int, optional
        Keywords or tags to keep unchanged despite the profile (e.g. ``["PatientAge"]`` for a study
        that needs age); each kept attribute is a deliberate, documented risk.

    Returns
    -------
    DeidResult
        ``dataset`` (the new dataset), ``actions`` (what was removed or replaced), ``flags``
        (burned-in text risks) and ``uid_map``.

    Warns
    -----
    BurnedInTextWarning
        If (0028,0301) Burned In Annotation is YES, (0028,0302) Recognizable Visual Features is YES,
        the modality is one where text in the pixels is common (US, ...), or the SOP class is a
        Secondary Capture. The profile only changes attributes: the pixels must be checked by eye.

    Notes
    -----
    The profile table (:data:`BASIC_PROFILE`, PS3.15 Table E.1-1, DICOM 2024b) gives an action per
    attribute: D dummy, Z empty, X remove, K keep, C clean, U new UID [1]_. It is applied at
    every nesting level, inside sequences. For a compound code ("X/Z", "Z/D", "X/Z/D", ...) PS3.15
    E.1.1 applies the first (most protective) code unless the IOD needs the attribute: Z where it is
    Type 2, D where it is Type 1 [1]_. The course cannot encode every IOD, so its rule is a list: the
    compound-coded attributes that are Type 1/1C in a module of the IODs it handles (CT, MR, enhanced
    CT/MR, US, CR, SC) get D when the source has a value, Content Date/Time (Multi-frame Functional
    Groups, PS3.3 C.7.6.16 [3]_), Device Serial Number (Enhanced General Equipment, C.7.5.2 [4]_) and
    Acquisition DateTime (Type 1C, Enhanced MR/CT Image, C.8.13.1 [5]_, C.8.15.2 [6]_); those that are
    Type 2 get Z, Acquisition Context Sequence (C.7.6.14 [7]_); every other compound gets its first
    code. The dummies are fixed values per VR: date 19000101, time 000000, datetime 19000101000000,
    text "ANONYMIZED", numbers 0. A dummy where a Type 3 attribute would do is still valid and
    reveals nothing. A D/Z/X on a sequence empties or removes it, D on a sequence cleans its items.
    All private tags (odd groups)
    are removed. Then (0012,0062) Patient Identity Removed = YES, (0012,0063) De-identification
    Method and (0012,0064) De-identification Method Code Sequence (DCM 113100) are set, and
    (0028,0303) Longitudinal Temporal Information Modified = REMOVED. New UIDs are UUID-derived
    ("2.25." root) [2]_.

    References
    ----------
    .. [1] NEMA. DICOM PS3.15 2024b, Annex E Attribute Confidentiality Profiles, Table E.1-1.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html
    .. [2] NEMA. DICOM PS3.5 2024b, B.2 UUID Derived UID.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/sect_B.2.html
    .. [3] NEMA. DICOM PS3.3 2024b, C.7.6.16 Multi-frame Functional Groups Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.16.html
    .. [4] NEMA. DICOM PS3.3 2024b, C.7.5.2 Enhanced General Equipment Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.5.2.html
    .. [5] NEMA. DICOM PS3.3 2024b, C.8.13.1 Enhanced MR Image Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.13.html
    .. [6] NEMA. DICOM PS3.3 2024b, C.8.15.2 Enhanced CT Image Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.15.2.html
    .. [7] NEMA. DICOM PS3.3 2024b, C.7.6.14 Acquisition Context Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.14.html

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> from helpers.dicom import read
    >>> ds = read(get_testdata_file("CT_small.dcm", download=False))
    >>> result = deidentify(ds, salt="course-2024")
    >>> result.dataset["PatientName"].is_empty, result.dataset.PatientIdentityRemoved
    (True, 'YES')
    >>> result.dataset.SOPInstanceUID != ds.SOPInstanceUID
    True
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a pydicom Dataset, got {type(ds).__name__}")
    if uid_map is None:
        uid_map = {}
    if salt is None:
        salt = secrets.token_bytes(32)
    salt_bytes = salt.encode() if isinstance(salt, str) else bytes(salt)
    ctx = _DeidContext(salt_bytes, uid_map, _keep_tags(keep), [])
    flags = _burned_in_flags(ds)
    out = copy.deepcopy(ds)
    _deid_dataset(out, "", ctx)
    _deid_file_meta(out, ctx)
    _mark_deidentified(out)
    for flag in flags:
        warnings.warn(flag, BurnedInTextWarning, stacklevel=2)
    return DeidResult(dataset=out, actions=ctx.actions, flags=flags, uid_map=uid_map)


def _keep_tags(keep: Iterable[str | int]) -> frozenset[int]:
    if isinstance(keep, (str, int)):
        keep = [keep]
    tags = set()
    for item in keep:
        try:
            tags.add(int(Tag(item)))
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"keep: {item!r} is not a DICOM keyword or tag") from None
    return frozenset(tags)


def _profile_action(tag: BaseTag) -> str | None:
    code = _EXACT_ACTIONS.get(int(tag))
    if code is not None:
        return code
    group, element = tag.group, tag.element
    if group & 0xFF01 == 0x5000:  # (50xx,xxxx) Curve Data, even groups 5000-501E
        return "X"
    if group & 0xFF01 == 0x6000 and element in (0x3000, 0x4000):  # (60xx,3000/4000) overlays
        return "X"
    return None


def _deid_dataset(ds: Dataset, prefix: str, ctx: _DeidContext) -> None:
    for elem in list(ds):
        tag, where = elem.tag, f"{prefix}{elem.keyword or elem.tag}"
        if int(tag) in ctx.keep:
            continue
        if tag.is_private:
            del ds[tag]
            ctx.actions.append(DeidAction(where, str(tag), "X", "private"))
            continue
        rule = _profile_action(tag)
        if rule is None or rule == "K":
            _recurse(elem, where, ctx)
            continue
        _apply_action(ds, elem, where, rule, ctx)


def _recurse(elem: DataElement, where: str, ctx: _DeidContext) -> None:
    if elem.VR == "SQ":
        for i, item in enumerate(elem.value):
            _deid_dataset(item, f"{where}[{i}].", ctx)


def _compound_code(rule: str, elem: DataElement) -> str:
    """The code to apply: D or Z where the IOD may need them (see :data:`_NEEDS_VALUE`), else the first one."""
    codes = [code.rstrip("*") for code in rule.split("/")]
    if "D" in codes and int(elem.tag) in _NEEDS_VALUE and not elem.is_empty:
        return "D"  # an empty source value stays empty: a dummy would invent a value the source never had
    if "Z" in codes and int(elem.tag) in _NEEDS_VALUE | _NEEDS_ELEMENT:
        return "Z"
    return codes[0]


def _apply_action(ds: Dataset, elem: DataElement, where: str, rule: str, ctx: _DeidContext) -> None:
    code = _compound_code(rule, elem)
    if code == "C":  # "clean" needs judgement of the content; a dummy is the safe stand-in
        code = "D"
    if code == "U" and elem.VR != "UI":
        code = "D"
    tag = str(elem.tag)
    if code == "X":
        del ds[elem.tag]
    elif code == "Z":
        elem.value = Sequence() if elem.VR == "SQ" else None
    elif code == "U" or (code == "D" and elem.VR == "UI"):
        elem.value = _replace_uids(elem.value, ctx)
        code = "U"
    elif code == "D":
        if elem.VR == "SQ":
            _recurse(elem, where, ctx)
        else:
            elem.value = _DUMMIES.get(elem.VR, b"\x00\x00")
    ctx.actions.append(DeidAction(where, tag, code, rule))


def _replace_uids(value: Any, ctx: _DeidContext) -> Any:
    if isinstance(value, (MultiValue, list)):
        return [_new_uid(str(v), ctx) for v in value]
    return _new_uid(str(value), ctx) if value else value


def _new_uid(old: str, ctx: _DeidContext) -> str:
    """Same input UID -> same output UID (per salt / uid_map); a '2.25.' UUID-derived UID (PS3.5 B.2)."""
    if not old:
        return old
    if old not in ctx.uid_map:
        digest = hashlib.sha256(ctx.salt + b"\x00" + old.encode()).digest()
        ctx.uid_map[old] = f"2.25.{uuid.UUID(bytes=digest[:16], version=4).int}"
    return ctx.uid_map[old]


def _deid_file_meta(ds: Dataset, ctx: _DeidContext) -> None:
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        return
    for keyword in _META_REMOVE:
        if keyword in meta:
            tag = str(meta[keyword].tag)
            del meta[keyword]
            ctx.actions.append(DeidAction(f"file_meta.{keyword}", tag, "X", "file meta"))
    if "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = _new_uid(str(meta.MediaStorageSOPInstanceUID), ctx)
        ctx.actions.append(DeidAction("file_meta.MediaStorageSOPInstanceUID", "(0002,0003)", "U", "U"))


def _mark_deidentified(ds: Dataset) -> None:
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "PS3.15 E.1 Basic Profile (helpers.dicom)"  # LO: <= 64 chars
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    ds.LongitudinalTemporalInformationModified = "REMOVED"


def _burned_in_flags(ds: Dataset) -> list[str]:
    flags = []
    name = _describe(ds)
    if str(ds.get("BurnedInAnnotation", "")).upper() == "YES":
        flags.append(f"{name}: (0028,0301) Burned In Annotation is YES: identifying text is in the pixels")
    if str(ds.get("RecognizableVisualFeatures", "")).upper() == "YES":
        flags.append(f"{name}: (0028,0302) Recognizable Visual Features is YES (e.g. a face)")
    modality = str(ds.get("Modality", ""))
    if modality in _BURNED_IN_MODALITIES:
        flags.append(f"{name}: Modality {modality} images often carry burned-in text; check the pixels")
    if ds.get("SOPClassUID") in _SECONDARY_CAPTURE:
        flags.append(f"{name}: a Secondary Capture (screenshot or scan) may show burned-in text; check the pixels")
    return flags
