//! The set of source files a compilation reads. The CLI reads the files;
//! the compiler only ever sees their text.

use crate::span::{FileId, line_col};

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it, for messages.
    pub name: String,
    pub text: String,
    /// Offset of the first byte that is not UTF-8, if the file was read
    /// from bytes that are not; `text` then holds a lossy copy.
    pub utf8_error: Option<usize>,
}

#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            utf8_error: None,
        });
        id
    }

    /// Adds a file read as bytes; invalid UTF-8 is reported by [`crate::analyze`].
    pub fn add_bytes(&mut self, name: impl Into<String>, mut bytes: Vec<u8>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        // A UTF-8 byte-order mark (editors on Windows write one) says
        // nothing about the program; positions count from after it.
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        let (text, utf8_error) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        self.files.push(SourceFile {
            name: name.into(),
            text,
            utf8_error,
        });
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| f.text.as_str())
    }

    /// 1-based line and column of a byte offset in a file.
    pub fn line_col(&self, id: FileId, offset: u32) -> (usize, usize) {
        line_col(self.text(id), offset as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
