"""Writers that put provenance markers into image files, as generators and cameras do.

Used by the tests, the sample-portfolio generator and the benchmarks, so every marker the
provenance extractor reads can be produced here, offline, without any real AI service:

- `with_xmp_source_type` / `with_xmp`: an XMP packet with IPTC DigitalSourceType (Meta, Midjourney,
  Google, Adobe...) and any other simple XMP property (e.g. photoshop:Credit "Made with Google AI");
- `with_png_text`: PNG tEXt/iTXt chunks (AUTOMATIC1111 `parameters`, ComfyUI `prompt`/`workflow`,
  NovelAI `Software`/`Comment`, InvokeAI `invokeai_metadata`...);
- `with_exif`: camera EXIF (Make, Model, Software, DateTimeOriginal) and the EXIF UserComment
  where AUTOMATIC1111 puts its generation settings in JPEG/WebP;
- `with_c2pa`: a real, signed C2PA manifest (JPEG APP11 / PNG caBX / WebP), with a throw-away
  certificate chain made on the fly with `cryptography` (a test-only dependency, imported lazily).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, PngImagePlugin

IPTC_DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC_DST + "trainedAlgorithmicMedia"
DIGITAL_CAPTURE = IPTC_DST + "digitalCapture"

_NS = {
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
}

_EXIF_IFD = 0x8769
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _fmt_of(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt.upper().replace("JPG", "JPEG")
    return _FORMATS.get(Path(path).suffix.lower(), "JPEG")


def _source_uri(source_type: str) -> str:
    """A bare IPTC code ("trainedAlgorithmicMedia") becomes the full NewsCodes URI."""
    return source_type if ":" in source_type else IPTC_DST + source_type


def xmp_packet(fields: dict[str, str], form: str = "attribute") -> str:
    """An XMP packet with simple properties `{"prefix:Name": value}`.

    `form="attribute"` writes `prefix:Name="value"` on rdf:Description (what most tools write);
    `form="element"` writes `<prefix:Name>value</prefix:Name>` (also valid RDF, written by some
    tools, e.g. exiftool for long values); `form="alt"` wraps each value in an rdf:Alt language
    alternative (how dc:description, dc:rights and photoshop fields are often stored);
    `form="resource"` writes `<prefix:Name rdf:resource="value"/>` (for URI values).
    """
    prefixes = sorted({k.split(":", 1)[0] for k in fields})
    ns = " ".join(f"xmlns:{p}={quoteattr(_NS.get(p, 'http://example.invalid/' + p + '/'))}" for p in prefixes)
    if form == "attribute":
        attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in fields.items())
        body = f'<rdf:Description rdf:about="" {ns} {attrs}/>'
    else:
        if form == "resource":  # <prefix:Name rdf:resource="uri"/>, how URIs are often written
            inner = "".join(f"<{k} rdf:resource={quoteattr(str(v))}/>" for k, v in fields.items())
        elif form == "alt":
            inner = "".join(f'<{k}><rdf:Alt><rdf:li xml:lang="x-default">{escape(str(v))}</rdf:li></rdf:Alt></{k}>'
                            for k, v in fields.items())
        else:
            inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
        body = f'<rdf:Description rdf:about="" {ns}>{inner}</rdf:Description>'
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f"{body}</rdf:RDF></x:xmpmeta>"
            '<?xpacket end="w"?>')


def _save(img: Image.Image, path: Path, fmt: str, xmp: str | None = None,
          pnginfo: PngImagePlugin.PngInfo | None = None, exif: Image.Exif | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    im = img if img.mode in ("RGB", "RGBA", "L") else img.convert("RGB")
    kw: dict[str, Any] = {}
    if exif is not None:
        kw["exif"] = exif
    if fmt == "PNG":
        info = pnginfo or PngImagePlugin.PngInfo()
        if xmp is not None:
            info.add_itxt("XML:com.adobe.xmp", xmp)
        im.save(path, "PNG", pnginfo=info, **kw)
    elif fmt in ("JPEG", "WEBP"):
        if im.mode == "RGBA" and fmt == "JPEG":
            im = im.convert("RGB")
        if xmp is not None:
            kw["xmp"] = xmp.encode("utf-8")
        im.save(path, fmt, quality=90, **kw)
    else:
        raise ValueError(f"unsupported format {fmt!r}")
    return path


def with_xmp(img: Image.Image, path, fields: dict[str, str], fmt: str | None = None,
             form: str = "attribute") -> Path:
    """Save `img` with an XMP packet holding `fields` (see `xmp_packet`)."""
    return _save(img, path, _fmt_of(path, fmt), xmp=xmp_packet(fields, form))


def with_xmp_source_type(img: Image.Image, path, source_type: str, fmt: str = "JPEG",
                         form: str = "attribute", extra: dict[str, str] | None = None) -> Path:
    """Save `img` with XMP Iptc4xmpExt:DigitalSourceType = `source_type` (bare code or full URI)."""
    fields = {"Iptc4xmpExt:DigitalSourceType": _source_uri(source_type), **(extra or {})}
    return with_xmp(img, path, fields, fmt=fmt, form=form)


def with_png_text(img: Image.Image, path, chunks: dict[str, str | bytes]) -> Path:
    """Save `img` as PNG with text chunks: tEXt where the value is Latin-1, iTXt (UTF-8) otherwise."""
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        if isinstance(value, bytes):
            info.add(b"tEXt", key.encode("latin-1") + b"\0" + value)
            continue
        try:
            value.encode("latin-1")
            info.add_text(key, value)
        except UnicodeEncodeError:
            info.add_itxt(key, value)
    return _save(img, path, "PNG", pnginfo=info)


def user_comment_bytes(text: str, encoding: str = "unicode") -> bytes:
    """EXIF UserComment: an 8-byte charset prefix, then the text (as piexif, which A1111 uses, writes it)."""
    if encoding == "unicode":
        return b"UNICODE\0" + text.encode("utf-16-be")
    if encoding == "ascii":
        return b"ASCII\0\0\0" + text.encode("ascii", "replace")
    return b"\0" * 8 + text.encode("utf-8")  # "undefined" charset


def with_exif(img: Image.Image, path, make: str | None = None, model: str | None = None,
              software: str | None = None, datetime_original: str | None = None,
              user_comment: str | bytes | None = None, artist: str | None = None,
              description: str | None = None, fmt: str | None = None) -> Path:
    """Save `img` with EXIF tags. `datetime_original` is 'YYYY:MM:DD HH:MM:SS'; a str
    `user_comment` gets the "UNICODE\\0" prefix, bytes are written as given."""
    exif = Image.Exif()
    for tag, value in ((0x010F, make), (0x0110, model), (0x0131, software),
                       (0x013B, artist), (0x010E, description)):
        if value is not None:
            exif[tag] = value
    sub: dict[int, Any] = {}
    if datetime_original is not None:
        sub[0x9003] = datetime_original
    if user_comment is not None:
        sub[0x9286] = user_comment if isinstance(user_comment, bytes) else user_comment_bytes(user_comment)
    if sub:
        ifd = exif.get_ifd(_EXIF_IFD)
        ifd.update(sub)
    return _save(img, path, _fmt_of(path, fmt), exif=exif)


# --- C2PA --------------------------------------------------------------------------------

_SIGNER_CACHE: dict[str, Any] = {}


def signing_certificates() -> dict[str, bytes]:
    """A throw-away CA and an end-entity signing certificate, made once per process.

    What C2PA (spec 2.x, "X.509 certificates") and c2pa-rs check of a claim-signing cert:
    X.509 v3; not a CA (BasicConstraints cA=false); KeyUsage with digitalSignature (critical);
    an ExtendedKeyUsage that is present, lacks anyExtendedKeyUsage and holds one of
    emailProtection / documentSigning / timeStamping / OCSPSigning / MS document signing /
    c2pa-kp-claimSigning; AuthorityKeyIdentifier when not self-signed; not self-signed itself;
    an ES256 key on P-256. The CA is returned so tests can use it as a trust anchor.
    """
    if "certs" in _SIGNER_CACHE:
        return _SIGNER_CACHE["certs"]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = _dt.datetime.now(_dt.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "headshot-audit test material")])

    def usage(sign: bool, ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                             crl_sign=ca, encipher_only=False, decipher_only=False)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("headshot-audit test CA (not trusted anywhere)")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(sign=False, ca=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    ee = (x509.CertificateBuilder().subject_name(name("headshot-audit test signer")).issuer_name(ca_name)
          .public_key(key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
          .add_extension(usage(sign=True, ca=False), critical=True)
          .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
          .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    certs = {
        "chain": ee.public_bytes(pem) + ca.public_bytes(pem),  # end-entity first, then the CA
        "key": key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        "ca": ca.public_bytes(pem),
    }
    _SIGNER_CACHE["certs"] = certs
    return certs


def c2pa_manifest(source_type: str = TRAINED, claim_generator: str = "headshot-audit test generator",
                  action: str = "c2pa.created", software_agent: str | None = None,
                  extra_actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    act: dict[str, Any] = {"action": action}
    if source_type:
        act["digitalSourceType"] = _source_uri(source_type)
    if software_agent:
        act["softwareAgent"] = {"name": software_agent}
    return {
        "claim_generator_info": [{"name": claim_generator, "version": "1.0"}],
        "title": "headshot-audit test asset",
        "assertions": [{"label": "c2pa.actions",
                        "data": {"actions": [act, *(extra_actions or [])]}}],
    }


def with_c2pa(src_path, dst_path, source_type: str = TRAINED,
              claim_generator: str = "headshot-audit test generator", action: str = "c2pa.created",
              software_agent: str | None = None, manifest: dict[str, Any] | None = None,
              remote_url: str | None = None) -> Path:
    """Sign `src_path` with a C2PA manifest saying how it was made; write `dst_path`.

    The default says "created by a trained algorithm" (an AI image) as OpenAI and Firefly do;
    pass `source_type=DIGITAL_CAPTURE` for a camera. `remote_url` makes a manifest that is NOT
    embedded, only referenced from XMP dcterms:provenance (used to prove the reader never fetches).
    Signing happens offline: no timestamp authority, no OCSP, no verification fetch.
    """
    import c2pa

    src_path, dst_path = Path(src_path), Path(dst_path)
    fmt = _fmt_of(src_path, None)
    mime = _MIME[fmt]
    certs = signing_certificates()
    ctx = c2pa.Context.from_dict({
        "verify": {"verify_after_sign": False, "remote_manifest_fetch": False, "ocsp_fetch": False},
        "core": {"allowed_network_hosts": []},
        "builder": {"thumbnail": {"enabled": False}},
    })
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, certs["chain"], certs["key"], None))
    man = manifest or c2pa_manifest(source_type, claim_generator, action, software_agent)
    builder = c2pa.Builder(json.dumps(man), context=ctx)
    try:
        if remote_url:
            builder.set_no_embed()
            builder.set_remote_url(remote_url)
        src = io.BytesIO(src_path.read_bytes())
        out = io.BytesIO()
        builder.sign(signer, mime, src, out)
    finally:
        builder.close()
        signer.close()
        ctx.close()
    dst_path.parent.mkdir(parents=True, exist_ok=True)
    dst_path.write_bytes(out.getvalue())
    return dst_path


# --- Ready-made generator payloads (shapes copied from what the tools write) -------------

A1111_PARAMETERS = (
    "professional corporate headshot of a woman, studio lighting, grey backdrop\n"
    "Negative prompt: blurry, lowres, deformed\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890, Size: 512x768, "
    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.6.0"
)

COMFYUI_PROMPT = json.dumps({
    "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 20, "cfg": 8, "sampler_name": "euler",
                                                "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "corporate headshot", "clip": ["4", 1]}},
})

COMFYUI_WORKFLOW = json.dumps({"last_node_id": 9, "last_link_id": 9,
                               "nodes": [{"id": 3, "type": "KSampler"}, {"id": 4, "type": "CheckpointLoaderSimple"}],
                               "links": [], "version": 0.4})

NOVELAI_COMMENT = json.dumps({"prompt": "portrait of a businessman", "steps": 28, "sampler": "k_euler_ancestral",
                              "seed": 123456, "strength": 0.7, "noise": 0.2, "scale": 11})

INVOKEAI_METADATA = json.dumps({"generation_mode": "txt2img", "positive_prompt": "headshot", "model":
                                {"model_name": "stable-diffusion-v1-5", "base_model": "sd-1"}, "seed": 7})

FOOOCUS_SCHEME = json.dumps({"Prompt": "headshot", "Performance": "Speed", "Styles": "['Fooocus V2']",
                             "Base Model": "juggernautXL_v8Rundiffusion.safetensors", "Version": "Fooocus v2.5.0",
                             "metadata_scheme": "fooocus"})


# --- invisible watermark ----------------------------------------------------------------------

SD_V1_MESSAGE = b"StableDiffusionV1"
SDXL_BITS = [int(b) for b in bin(0b101100111110110010010000011110111011000110011110)[2:]]


def sd_watermark(img: Image.Image, message: bytes | list[int] = SD_V1_MESSAGE, rgb_as_bgr: bool = False) -> Image.Image:
    """`img` with the invisible-watermark "dwtDct" watermark, embedded as that package does
    (scales [0, 36, 36] over Y,U - so only U -, 4x4 blocks of the Haar LL band).

    `message` is bytes (SD v1/v2 scripts: b"StableDiffusionV1") or a bit list (SDXL: SDXL_BITS);
    `rgb_as_bgr=True` reproduces diffusers' SDXL watermarker, which hands RGB to a BGR API.
    Needs at least 256x256 pixels, like the package."""
    import cv2
    import numpy as np
    import pywt

    bits = ([int(b) for ch in message for b in format(ch, "08b")] if isinstance(message, (bytes, bytearray))
            else [int(b) % 2 for b in message])
    rgb = np.array(img.convert("RGB"))
    if rgb.shape[0] * rgb.shape[1] < 256 * 256:
        raise ValueError("image too small for the watermark, should be at least 256x256")
    bgr = rgb.copy() if rgb_as_bgr else np.ascontiguousarray(rgb[:, :, ::-1])
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    rows, cols = yuv.shape[0] // 4 * 4, yuv.shape[1] // 4 * 4
    ca1, (h1, v1, d1) = pywt.dwt2(yuv[:rows, :cols, 1], "haar")
    num = 0
    for i in range(ca1.shape[0] // 4):
        for j in range(ca1.shape[1] // 4):
            block = ca1[i * 4:i * 4 + 4, j * 4:j * 4 + 4]
            flat = block.flatten()
            pos = int(np.argmax(np.abs(flat[1:]))) + 1
            r, c = divmod(pos, 4)
            val, bit = block[r, c], bits[num % len(bits)]
            q = (abs(val) // 36 + 0.25 + 0.5 * bit) * 36
            block[r, c] = q if val >= 0 else -q
            num += 1
    # the package passes (v1, h1, d1) back in that order; kept so the pixels match its output
    yuv[:rows, :cols, 1] = pywt.idwt2((ca1, (v1, h1, d1)), "haar")
    out = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR)
    return Image.fromarray(out if rgb_as_bgr else np.ascontiguousarray(out[:, :, ::-1]))


def with_sd_watermark(img: Image.Image, path, message: bytes | list[int] = SD_V1_MESSAGE,
                      rgb_as_bgr: bool = False, fmt: str | None = None) -> Path:
    """Save `img` with the Stable Diffusion invisible watermark (PNG keeps it; JPEG mostly does not)."""
    return _save(sd_watermark(img, message, rgb_as_bgr), path, _fmt_of(path, fmt))
