//! The files of a course, read from a folder on disk or from an uploaded zip archive, into
//! one in-memory map so that checking and publishing work the same for both.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Relative path (with `/`) → bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFiles {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Limits on what one course may hold. A real module is a few hundred kilobytes of text and
/// a few megabytes of pictures; these leave plenty of room and stop abuse. The total is
/// what the server can hold in memory (twice, while checking) within its 150 MB.
pub const MAX_FILES: usize = 500;
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_TOTAL_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SourceError {
    #[error("the folder {0} cannot be read: {1}")]
    Unreadable(String, String),
    #[error("not a zip archive")]
    NotZip,
    #[error("more than {MAX_FILES} files")]
    TooManyFiles,
    #[error("a file is larger than allowed: {0}")]
    FileTooLarge(String),
    #[error("the files are larger than allowed in total")]
    TooLarge,
    #[error("a path leaves the course folder: {0}")]
    PathEscapes(String),
}

impl SourceError {
    /// The interface message for this error.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Unreadable(..) => "upload-unreadable",
            Self::NotZip => "upload-not-zip",
            Self::TooManyFiles => "upload-too-many-files",
            Self::FileTooLarge(_) => "upload-file-too-large",
            Self::TooLarge => "upload-too-large",
            Self::PathEscapes(_) => "upload-path-escapes",
        }
    }
}

/// Files that operating systems leave behind and that are never part of a course.
fn is_junk(path: &str) -> bool {
    path.split('/').any(|part| {
        part.starts_with('.') || part == "__MACOSX" || part == "Thumbs.db" || part == "desktop.ini"
    })
}

impl SourceFiles {
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Paths under `folder/`, in order.
    pub fn under<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files
            .keys()
            .filter(move |p| {
                p.strip_prefix(folder)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(String::as_str)
    }

    /// A digest of every path and its bytes.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, bytes) in &self.files {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        hex(&hasher.finalize())
    }

    fn insert(&mut self, path: String, bytes: Vec<u8>, total: &mut u64) -> Result<(), SourceError> {
        if self.files.len() >= MAX_FILES {
            return Err(SourceError::TooManyFiles);
        }
        *total += bytes.len() as u64;
        if *total > MAX_TOTAL_BYTES {
            return Err(SourceError::TooLarge);
        }
        self.files.insert(path, bytes);
        Ok(())
    }

    /// Reads a course folder from disk.
    pub fn from_dir(dir: &Path) -> Result<Self, SourceError> {
        let shown = dir.display().to_string();
        let unreadable = |e: std::io::Error| SourceError::Unreadable(shown.clone(), e.to_string());
        let mut out = Self::default();
        let mut total = 0;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            for entry in std::fs::read_dir(&current).map_err(unreadable)? {
                let path = entry.map_err(unreadable)?.path();
                let Ok(relative) = path.strip_prefix(dir) else {
                    continue;
                };
                let relative = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                if is_junk(&relative) {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let size = std::fs::metadata(&path).map_err(unreadable)?.len();
                if size > MAX_FILE_BYTES {
                    return Err(SourceError::FileTooLarge(relative));
                }
                let bytes = std::fs::read(&path).map_err(unreadable)?;
                out.insert(relative, bytes, &mut total)?;
            }
        }
        Ok(out)
    }

    /// Reads an uploaded zip. Refuses paths that leave the folder, too many files, and
    /// archives that inflate past the limits: first by the sizes the archive declares,
    /// before anything is inflated, then by counting while reading (a declared size can
    /// lie). A single top folder (a zipped course folder) is removed.
    pub fn from_zip(bytes: &[u8]) -> Result<Self, SourceError> {
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| SourceError::NotZip)?;
        if archive.len() > MAX_FILES * 2 {
            return Err(SourceError::TooManyFiles);
        }
        let mut declared = 0u64;
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|_| SourceError::NotZip)?;
            if entry.size() > MAX_FILE_BYTES {
                return Err(SourceError::FileTooLarge(entry.name().to_owned()));
            }
            declared = declared.saturating_add(entry.size());
            if declared > MAX_TOTAL_BYTES {
                return Err(SourceError::TooLarge);
            }
        }
        let mut raw = Vec::new();
        let mut total = 0u64;
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).map_err(|_| SourceError::NotZip)?;
            let name = entry.name().to_owned();
            let Some(path) = entry.enclosed_name() else {
                return Err(SourceError::PathEscapes(name));
            };
            if entry.is_dir() {
                continue;
            }
            let path = path
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if is_junk(&path) {
                continue;
            }
            // The declared size was checked above: the buffer never grows past it twice.
            let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
            (&mut entry)
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut data)
                .map_err(|_| SourceError::NotZip)?;
            if data.len() as u64 > MAX_FILE_BYTES {
                return Err(SourceError::FileTooLarge(path));
            }
            total += data.len() as u64;
            if total > MAX_TOTAL_BYTES {
                return Err(SourceError::TooLarge);
            }
            raw.push((path, data));
        }
        // A zipped folder: every path starts with the same folder that holds course.toml.
        let prefix = raw
            .iter()
            .find(|(p, _)| p.ends_with("/course.toml") && p.matches('/').count() == 1)
            .map(|(p, _)| p.trim_end_matches("course.toml").to_owned())
            .filter(|prefix| raw.iter().all(|(p, _)| p.starts_with(prefix.as_str())));
        let mut out = Self::default();
        let mut counted = 0;
        for (path, data) in raw {
            let path = match &prefix {
                Some(prefix) => path[prefix.len()..].to_owned(),
                None => path,
            };
            out.insert(path, data, &mut counted)?;
        }
        Ok(out)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut buffer);
            for (name, data) in entries {
                let options = zip::write::SimpleFileOptions::default();
                writer.start_file(*name, options).ok();
                writer.write_all(data).ok();
            }
            writer.finish().ok();
        }
        buffer.into_inner()
    }

    #[test]
    fn a_zipped_folder_loses_its_top_folder() {
        let zip = zip_of(&[
            ("wash/course.toml", b"id = 1"),
            ("wash/chapters/01-a.en.md", b"x"),
        ]);
        let files = SourceFiles::from_zip(&zip).ok().unwrap_or_default();
        assert!(files.get("course.toml").is_some());
        assert!(files.get("chapters/01-a.en.md").is_some());
    }

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        let zip = zip_of(&[("course.toml", b"x"), ("../../etc/evil", b"x")]);
        assert!(matches!(
            SourceFiles::from_zip(&zip),
            Err(SourceError::PathEscapes(_))
        ));
        let zip = zip_of(&[("/etc/passwd", b"x")]);
        assert!(matches!(
            SourceFiles::from_zip(&zip),
            Err(SourceError::PathEscapes(_))
        ));
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit() {
        let big = vec![0u8; (MAX_FILE_BYTES + 10) as usize];
        let zip = zip_of(&[("course.toml", b"x"), ("media/zeros.png", &big)]);
        assert!(zip.len() < 100_000, "compresses well: {}", zip.len());
        assert!(matches!(
            SourceFiles::from_zip(&zip),
            Err(SourceError::FileTooLarge(_))
        ));
    }

    #[test]
    fn declared_sizes_are_refused_before_inflating() {
        // Four files of 9 MB of zeros: each within the limit, together over it (a 40 KB
        // zip that inflated to 36 MB before being refused, or accepted under the old
        // 100 MB total).
        let nine = vec![0u8; 9 * 1024 * 1024];
        let zip = zip_of(&[
            ("course.toml", b"x"),
            ("media/a.png", &nine),
            ("media/b.png", &nine),
            ("media/c.png", &nine),
            ("media/d.png", &nine),
        ]);
        assert!(zip.len() < 200_000, "compresses well: {}", zip.len());
        assert_eq!(SourceFiles::from_zip(&zip), Err(SourceError::TooLarge));
    }

    #[test]
    fn junk_and_non_zips() {
        assert_eq!(
            SourceFiles::from_zip(b"not a zip"),
            Err(SourceError::NotZip)
        );
        let zip = zip_of(&[
            ("course.toml", b"x"),
            ("__MACOSX/._course.toml", b"x"),
            (".DS_Store", b"x"),
        ]);
        let files = SourceFiles::from_zip(&zip).ok().unwrap_or_default();
        assert_eq!(files.files.len(), 1);
    }
}
