//! Pixel work for derivatives: fitting a long side, resizing (`fast_image_resize`, SIMD),
//! turning stored pixels upright by EXIF orientation, and JPEG encoding (`jpeg-encoder`,
//! quality ≈80, 4:2:0). Packed RGB8 in, packed RGB8 or JPEG bytes out.
//!
//! Never uses `image`'s resize or JPEG encoder: they are several times slower on this path.

use super::PhotoError;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

/// `(width, height)` scaled so the long side is at most `long_side` (never enlarged).
pub fn fit_long_side(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_side || long == 0 {
        return (width, height);
    }
    let scale = f64::from(long_side) / f64::from(long);
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, long_side);
    (fit(width), fit(height))
}

/// Orientations 5..=8 swap width and height.
pub fn swaps_axes(orientation: u16) -> bool {
    (5..=8).contains(&orientation)
}

pub fn resize(rgb: &[u8], width: u32, height: u32, to_w: u32, to_h: u32) -> Result<Vec<u8>, PhotoError> {
    if (width, height) == (to_w, to_h) {
        return Ok(rgb.to_vec());
    }
    let src = ImageRef::new(width, height, rgb, PixelType::U8x3)
        .map_err(|e| PhotoError::Internal(format!("resize source: {e}")))?;
    let mut dst = Image::new(to_w, to_h, PixelType::U8x3);
    // Lanczos3 after DCT scaling: close to what vipsthumbnail produces, and fast with SIMD.
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| PhotoError::Internal(format!("resize: {e}")))?;
    Ok(dst.into_vec())
}

/// Applies EXIF orientation 1..=8 to packed RGB8, returning the upright pixels and size.
pub fn orient(rgb: &[u8], width: u32, height: u32, orientation: u16) -> (Vec<u8>, u32, u32) {
    let (w, h) = (width as usize, height as usize);
    if orientation <= 1 || orientation > 8 {
        return (rgb.to_vec(), width, height);
    }
    let (out_w, out_h) = if swaps_axes(orientation) { (h, w) } else { (w, h) };
    // The stored pixel shown at upright (ox, oy) is `start + ox·dx + oy·dy` (in pixels).
    let (wi, hi) = (w as isize, h as isize);
    let (start, dx, dy): (isize, isize, isize) = match orientation {
        2 => (wi - 1, -1, wi),
        3 => ((hi - 1) * wi + wi - 1, -1, -wi),
        4 => ((hi - 1) * wi, 1, -wi),
        5 => (0, wi, 1),
        6 => ((hi - 1) * wi, -wi, 1),
        7 => ((hi - 1) * wi + wi - 1, -wi, -1),
        _ => (wi - 1, wi, -1), // 8
    };
    let mut out = vec![0u8; rgb.len()];
    // In 32×32 tiles: a quarter turn reads the source down its columns, and tiles keep those
    // reads within the cache.
    const TILE: usize = 32;
    for ty in (0..out_h).step_by(TILE) {
        for tx in (0..out_w).step_by(TILE) {
            for oy in ty..(ty + TILE).min(out_h) {
                let row = start + oy as isize * dy;
                for ox in tx..(tx + TILE).min(out_w) {
                    let s = (row + ox as isize * dx) as usize * 3;
                    let o = (oy * out_w + ox) * 3;
                    out[o..o + 3].copy_from_slice(&rgb[s..s + 3]);
                }
            }
        }
    }
    (out, out_w as u32, out_h as u32)
}

pub fn encode_jpeg(rgb: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let (w, h) = (
        u16::try_from(width).map_err(|_| PhotoError::Internal("derivative wider than JPEG allows".into()))?,
        u16::try_from(height)
            .map_err(|_| PhotoError::Internal("derivative taller than JPEG allows".into()))?,
    );
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder
        .encode(rgb, w, h, ColorType::Rgb)
        .map_err(|e| PhotoError::Internal(format!("JPEG encoding: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 image whose pixels are numbered 0..6 (in the red channel).
    fn numbered() -> Vec<u8> {
        (0u8..6).flat_map(|i| [i, 0, 0]).collect()
    }

    fn reds(rgb: &[u8]) -> Vec<u8> {
        rgb.chunks(3).map(|p| p[0]).collect()
    }

    #[test]
    fn every_exif_orientation_turns_the_stored_pixels_upright() {
        // Stored 3×2:  0 1 2 / 3 4 5. Each orientation says how that was stored; the expected
        // output is what a viewer shows.
        let cases: [(u16, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (orientation, size, want) in cases {
            let (out, w, h) = orient(&numbered(), 3, 2, orientation);
            assert_eq!((w, h), size, "orientation {orientation}");
            assert_eq!(reds(&out), want, "orientation {orientation}");
        }
    }

    #[test]
    fn fitting_keeps_the_aspect_and_never_enlarges() {
        assert_eq!(fit_long_side(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_long_side(3000, 4000, 320), (240, 320));
        assert_eq!(fit_long_side(640, 480, 1600), (640, 480));
        assert_eq!(fit_long_side(10_000, 1, 320), (320, 1));
    }
}
