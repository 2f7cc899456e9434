//! A Typst [`World`] that lives entirely in memory: one main source, a few
//! in-memory files (the data as JSON, the charts as SVG) and the fonts bundled
//! with the binary. It never touches the file system, the system fonts or the
//! network, so the same input typesets to the same bytes on every machine.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The sans-serif text face, Source Sans 3 (SIL Open Font License, see `fonts/`).
static SOURCE_SANS: [&[u8]; 4] = [
    include_bytes!("../fonts/SourceSans3-Regular.ttf"),
    include_bytes!("../fonts/SourceSans3-Italic.ttf"),
    include_bytes!("../fonts/SourceSans3-SemiBold.ttf"),
    include_bytes!("../fonts/SourceSans3-Bold.ttf"),
];

/// Fonts are parsed once per process: the book and the faces are shared by
/// every render (a [`Font`] is a cheap reference-counted handle).
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = SOURCE_SANS
        .into_iter()
        // Libertinus Serif, New Computer Modern and DejaVu Sans Mono: only as
        // fallbacks for characters the text face lacks.
        .chain(typst_assets::fonts())
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    let book = FontBook::from_fonts(&fonts);
    (LazyHash::new(book), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The id of a file in the project's virtual root. Ids are interned for the
/// life of the process, so callers use a small fixed set of paths.
pub(crate) fn file_id(path: &str) -> FileId {
    // Every path given here is a constant of this crate or a generated
    // `/charts/N.svg`, which always parse.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| panic!("invalid virtual path {path}"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One compilation's inputs.
pub(crate) struct MemoryWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl MemoryWorld {
    /// `main` is the Typst markup of `/main.typ`; `files` maps virtual paths
    /// (e.g. `/data.json`) to their bytes; `today` answers `datetime.today()`.
    pub(crate) fn new(main: &str, files: Vec<(&str, Vec<u8>)>, today: Datetime) -> Self {
        let main = Source::new(file_id("/main.typ"), main.to_owned());
        let files = files
            .into_iter()
            .map(|(path, bytes)| (file_id(path), Bytes::new(bytes)))
            .collect();
        Self { main, files, today }
    }
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_owned()));
        }
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
