//! HEIC/HEIF photos (iPhones) through libheif, with the `heif` feature.
#![cfg(feature = "heif")]

use libheif_rs::{
    Channel, ColorSpace, CompressionFormat, EncoderQuality, HeifContext, Image, LibHeif, RgbChroma,
};
use xuncha_core::photo::{CaptureContext, IngestOptions, SourceFormat, ingest_bytes};

/// A 128×96 HEIC, red on the left half and blue on the right, with an EXIF Make tag.
fn red_blue_heic() -> Vec<u8> {
    let (w, h) = (128u32, 96u32);
    let mut image = Image::new(w, h, ColorSpace::Rgb(RgbChroma::Rgb)).expect("image");
    image.create_plane(Channel::Interleaved, w, h, 24).expect("plane");
    let planes = image.planes_mut();
    let plane = planes.interleaved.expect("interleaved");
    for y in 0..h as usize {
        for x in 0..w as usize {
            let px = if x < w as usize / 2 {
                [220, 20, 20]
            } else {
                [20, 20, 220]
            };
            let i = y * plane.stride + x * 3;
            plane.data[i..i + 3].copy_from_slice(&px);
        }
    }
    let lib = LibHeif::new();
    let mut context = HeifContext::new().expect("context");
    let mut encoder = lib
        .encoder_for_format(CompressionFormat::Hevc)
        .expect("x265 encoder");
    encoder.set_quality(EncoderQuality::Lossy(90)).expect("quality");
    let handle = context.encode_image(&image, &mut encoder, None).expect("encode");
    // Big-endian TIFF with one IFD entry: Make = "Apple".
    let mut tiff = b"MM\0\x2A\0\0\0\x08\0\x01\x01\x0F\0\x02\0\0\0\x06\0\0\0\x1A\0\0\0\0".to_vec();
    tiff.extend_from_slice(b"Apple\0");
    context.add_exif_metadata(&handle, &tiff).expect("exif");
    context.write_to_bytes().expect("write")
}

#[test]
fn a_heic_photo_is_ingested_with_its_exif_and_colours() {
    let photo = ingest_bytes(
        red_blue_heic(),
        &CaptureContext::default(),
        &IngestOptions::default(),
    )
    .expect("ingest HEIC");
    assert_eq!(photo.format, SourceFormat::Heif);
    assert_eq!((photo.width, photo.height), (128, 96));
    assert_eq!((photo.upload.width, photo.upload.height), (128, 96));
    assert_eq!(photo.make.as_deref(), Some("Apple"));
    let mut d = jpeg_decoder::Decoder::new(photo.upload.bytes.as_slice());
    let rgb = d.decode().expect("upload decodes");
    let at = |x: usize, y: usize| &rgb[(y * 128 + x) * 3..(y * 128 + x) * 3 + 3];
    let (left, right) = (at(10, 48), at(118, 48));
    assert!(left[0] > 150 && left[2] < 90, "left {left:?}");
    assert!(right[2] > 150 && right[0] < 90, "right {right:?}");
}
