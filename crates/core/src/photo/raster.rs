//! PNG and WebP through the `image` crate: the header is read and its size checked before
//! anything is allocated for pixels; the whole image is decoded (neither format can be decoded
//! at a reduced scale), so `max_pixels` is what bounds the memory. Transparent parts are put on
//! white, as a viewer shows a screenshot or sticker on a light page.

use super::*;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{DynamicImage, ImageDecoder, ImageError, Limits};
use std::io::Cursor;

pub fn decode(bytes: &[u8], format: SourceFormat, max_pixels: u64) -> Result<Decoded, PhotoError> {
    let corrupt = |e: ImageError| PhotoError::Corrupt(format!("{format:?}: {e}"));
    match format {
        // The default limits bound what the PNG reader keeps of metadata chunks (text, ICC
        // profiles); the pixels are bounded by `max_pixels` below.
        SourceFormat::Png => {
            let decoder = PngDecoder::with_limits(Cursor::new(bytes), Limits::default()).map_err(corrupt)?;
            pixels(decoder, max_pixels, corrupt)
        }
        SourceFormat::WebP => {
            let decoder = WebPDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            pixels(decoder, max_pixels, corrupt)
        }
        _ => Err(PhotoError::Internal(format!("{format:?} is not a PNG or WebP"))),
    }
}

fn pixels(
    mut decoder: impl ImageDecoder,
    max_pixels: u64,
    corrupt: impl Fn(ImageError) -> PhotoError,
) -> Result<Decoded, PhotoError> {
    let (width, height) = decoder.dimensions();
    check_size(width, height, max_pixels)?;
    // Asked before the pixels are read, which consumes the decoder. Damaged EXIF is no
    // reason to refuse the picture.
    let exif = decoder.exif_metadata().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    if (image.width(), image.height()) != (width, height) {
        return Err(PhotoError::Corrupt(
            "the decoder returned another size than declared".into(),
        ));
    }
    Ok(Decoded {
        rgb: onto_white(image),
        width,
        height,
        full_width: width,
        full_height: height,
        partial: None,
        upright: false,
        exif,
    })
}

/// Packed RGB8, with any transparency composited over white.
fn onto_white(image: DynamicImage) -> Vec<u8> {
    if !image.color().has_alpha() {
        return image.into_rgb8().into_raw();
    }
    let rgba = image.into_rgba8().into_raw();
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.chunks_exact(4) {
        let alpha = u32::from(p[3]);
        for &c in &p[..3] {
            rgb.push(((u32::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8);
        }
    }
    rgb
}
