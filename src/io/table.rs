//! Tables of named, typed columns, written and read as Parquet or CSV. Every
//! call into polars lives here (its API changes between releases; an upgrade
//! should touch this file only). The table knows columns, not tasks or
//! platforms: callers build [`Column`]s from their own rows and read typed
//! values back by column name.
//!
//! - [`Table::new`] builds a table; [`write_parquet_and_csv`] writes it as
//!   `stem.parquet` and `stem.csv`, each atomically; [`Table::write_parquet`]
//!   writes one Parquet file.
//! - [`ParquetBatches`] writes a stream of tables as row groups of one file,
//!   so memory stays bounded.
//! - [`ParquetColumns`] writes row groups from column values handed over
//!   as they are ([`Values`]), each column with the encoding chosen for it.
//! - [`Table::read_parquet`] reads a whole file back; [`ParquetFile`] reads a
//!   large one in slices of chosen columns.

use super::files::{WriteError, write_atomic_with};
use polars::prelude as pl;
use polars::prelude::{SerReader, SerWriter};
use polars_arrow::array as pa;
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_parquet::parquet::CowBuffer;
use polars_parquet::parquet::page::{DataPage, DataPageHeader};
use polars_parquet::write as pw;
use polars_parquet::write::FallibleStreamingIterator;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The values of one column, as written: the Rust type decides the Parquet
/// and CSV type (`Opt*` columns may hold nulls).
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Str(Vec<String>),
    StaticStr(Vec<&'static str>),
    OptStr(Vec<Option<String>>),
    F64(Vec<f64>),
    OptF64(Vec<Option<f64>>),
    U64(Vec<u64>),
    OptU64(Vec<Option<u64>>),
    U32(Vec<u32>),
    OptU32(Vec<Option<u32>>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
    /// One text repeated: (the text, the number of rows).
    Repeat(String, usize),
}

macro_rules! column_from {
    ($($t:ty => $v:ident),* $(,)?) => {
        $(impl From<Vec<$t>> for Column {
            fn from(v: Vec<$t>) -> Column {
                Column::$v(v)
            }
        })*
    };
}

column_from!(
    String => Str,
    &'static str => StaticStr,
    Option<String> => OptStr,
    f64 => F64,
    Option<f64> => OptF64,
    u64 => U64,
    Option<u64> => OptU64,
    u32 => U32,
    Option<u32> => OptU32,
    i64 => I64,
    bool => Bool,
);

impl Column {
    fn named(self, name: &str) -> pl::Column {
        let name = name.into();
        match self {
            Column::Str(v) => pl::Column::new(name, v),
            Column::StaticStr(v) => pl::Column::new(name, v),
            Column::OptStr(v) => pl::Column::new(name, v),
            Column::F64(v) => pl::Column::new(name, v),
            Column::OptF64(v) => pl::Column::new(name, v),
            Column::U64(v) => pl::Column::new(name, v),
            Column::OptU64(v) => pl::Column::new(name, v),
            Column::U32(v) => pl::Column::new(name, v),
            Column::OptU32(v) => pl::Column::new(name, v),
            Column::I64(v) => pl::Column::new(name, v),
            Column::Bool(v) => pl::Column::new(name, v),
            Column::Repeat(v, n) => pl::IntoColumn::into_column(
                <pl::StringChunked as pl::ChunkFull<&str>>::full(name, &v, n),
            ),
        }
    }
}

/// The type of a column read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    F64,
    U64,
    U32,
    I64,
    Bool,
    Other,
}

/// Why the table library refused: its own message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TableError(pub String);

fn err(e: impl std::fmt::Display) -> TableError {
    TableError(e.to_string())
}

/// Why a file could not be read: opening it, or its content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Open(std::io::Error),
    #[error("{0}")]
    Table(TableError),
}

/// Parquet compression. `Zstd` is the writer's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    Zstd,
    Snappy,
    /// LZ4 as Parquet's `LZ4_RAW` codec.
    Lz4Raw,
    /// Zstandard at a chosen level (1 to 22).
    ZstdLevel(i32),
    Uncompressed,
}

impl Compression {
    fn polars(self) -> pl::ParquetCompression {
        match self {
            Compression::Zstd => pl::ParquetCompression::Zstd(None),
            Compression::Snappy => pl::ParquetCompression::Snappy,
            Compression::Lz4Raw => pl::ParquetCompression::Lz4Raw,
            Compression::ZstdLevel(l) => {
                pl::ParquetCompression::Zstd(pw::ZstdLevel::try_new(l).ok())
            }
            Compression::Uncompressed => pl::ParquetCompression::Uncompressed,
        }
    }

    fn codec(self) -> pw::CompressionOptions {
        match self {
            Compression::Zstd => pw::CompressionOptions::Zstd(None),
            Compression::Snappy => pw::CompressionOptions::Snappy,
            Compression::Lz4Raw => pw::CompressionOptions::Lz4Raw,
            Compression::ZstdLevel(l) => {
                pw::CompressionOptions::Zstd(pw::ZstdLevel::try_new(l).ok())
            }
            Compression::Uncompressed => pw::CompressionOptions::Uncompressed,
        }
    }
}

/// Named columns of equal length, in order.
#[derive(Clone, Debug)]
pub struct Table {
    df: pl::DataFrame,
}

/// A text column (cast to text if it was not), read with [`Text::values`].
pub struct Text(pl::Column);

impl Text {
    /// The values, borrowed from the column.
    pub fn values(&self) -> Vec<Option<&str>> {
        match self.0.str() {
            Ok(ca) => ca.iter().collect(),
            // Unreachable: `Table::text` checked the type.
            Err(_) => vec![None; self.0.len()],
        }
    }
}

impl Table {
    /// A table of `columns`, in order; they must have the same length.
    pub fn new<N: AsRef<str>>(columns: Vec<(N, Column)>) -> Result<Table, TableError> {
        let cols = columns
            .into_iter()
            .map(|(n, c)| c.named(n.as_ref()))
            .collect();
        pl::DataFrame::new_infer_height(cols)
            .map(|df| Table { df })
            .map_err(err)
    }

    /// Reads a whole Parquet file.
    pub fn read_parquet(path: &Path) -> Result<Table, ReadError> {
        let file = std::fs::File::open(path).map_err(ReadError::Open)?;
        pl::ParquetReader::new(file)
            .finish()
            .map(|df| Table { df })
            .map_err(|e| ReadError::Table(err(e)))
    }

    /// Reads a whole CSV file with a header, inferring column types.
    pub fn read_csv(path: &Path) -> Result<Table, ReadError> {
        let file = std::fs::File::open(path).map_err(ReadError::Open)?;
        pl::CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .into_reader_with_file_handle(file)
            .finish()
            .map(|df| Table { df })
            .map_err(|e| ReadError::Table(err(e)))
    }

    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Column names, in order.
    pub fn names(&self) -> Vec<String> {
        self.df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.df.column(name).is_ok()
    }

    fn column(&self, name: &str) -> Result<&pl::Column, TableError> {
        self.df.column(name).map_err(err)
    }

    /// The type of column `name`, if there is one.
    pub fn kind(&self, name: &str) -> Option<Kind> {
        Some(match self.df.column(name).ok()?.dtype() {
            pl::DataType::String => Kind::Str,
            pl::DataType::Float64 => Kind::F64,
            pl::DataType::UInt64 => Kind::U64,
            pl::DataType::UInt32 => Kind::U32,
            pl::DataType::Int64 => Kind::I64,
            pl::DataType::Boolean => Kind::Bool,
            _ => Kind::Other,
        })
    }

    /// Whether column `name` holds numbers (integers or floats).
    pub fn is_numeric(&self, name: &str) -> Result<bool, TableError> {
        Ok(self.column(name)?.dtype().is_primitive_numeric())
    }

    /// Column `name` as floats (converting numbers, parsing text).
    pub fn f64s(&self, name: &str) -> Result<Vec<Option<f64>>, TableError> {
        let c = self
            .column(name)?
            .cast(&pl::DataType::Float64)
            .map_err(err)?;
        Ok(c.f64().map_err(err)?.iter().collect())
    }

    /// Column `name`, which must hold unsigned 64-bit integers and no nulls.
    pub fn u64s(&self, name: &str) -> Result<Vec<u64>, TableError> {
        self.column(name)?
            .u64()
            .map(|ca| ca.into_no_null_iter().collect())
            .map_err(err)
    }

    /// Column `name`, which must hold text.
    pub fn strs(&self, name: &str) -> Result<Vec<Option<String>>, TableError> {
        Ok(self
            .column(name)?
            .str()
            .map_err(err)?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    }

    /// Column `name` as text (numbers are written out), to borrow from.
    pub fn text(&self, name: &str) -> Result<Text, TableError> {
        let c = self
            .column(name)?
            .cast(&pl::DataType::String)
            .map_err(err)?;
        c.str().map_err(err)?;
        Ok(Text(c))
    }

    /// Replaces column `name` with `values`.
    pub fn replace(&mut self, name: &str, values: Column) -> Result<(), TableError> {
        self.df
            .replace(name, values.named(name))
            .map(|_| ())
            .map_err(err)
    }

    /// Appends the rows of `other`, which must have the same columns.
    pub fn append(&mut self, other: &Table) -> Result<(), TableError> {
        self.df.vstack_mut(&other.df).map(|_| ()).map_err(err)
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Result<Table, TableError> {
        let idx: Vec<pl::IdxSize> = rows.iter().map(|r| *r as pl::IdxSize).collect();
        let idx = pl::IdxCa::from_vec("idx".into(), idx);
        self.df.take(&idx).map(|df| Table { df }).map_err(err)
    }

    /// Writes the table as one Parquet file.
    pub fn write_parquet(
        &mut self,
        out: impl Write,
        compression: Compression,
    ) -> Result<(), TableError> {
        pl::ParquetWriter::new(out)
            .with_compression(compression.polars())
            .finish(&mut self.df)
            .map(|_| ())
            .map_err(err)
    }

    /// Writes the table as CSV with a header line.
    pub fn write_csv(&mut self, out: impl Write) -> Result<(), TableError> {
        let mut w = std::io::BufWriter::new(out);
        pl::CsvWriter::new(&mut w)
            .include_header(true)
            .finish(&mut self.df)
            .map_err(err)?;
        w.flush().map_err(err)
    }
}

/// Writes `table` as `dir/stem.parquet` and `dir/stem.csv`, each atomically.
pub fn write_parquet_and_csv(dir: &Path, stem: &str, table: &mut Table) -> Result<(), WriteError> {
    write_atomic_with(&dir.join(format!("{stem}.parquet")), |f| {
        table
            .write_parquet(f, Compression::default())
            .map_err(|e| e.0)
    })?;
    write_atomic_with(&dir.join(format!("{stem}.csv")), |f| {
        table.write_csv(f).map_err(|e| e.0)
    })
}

/// One Parquet file written batch by batch: each [`ParquetBatches::write`]
/// adds the batch's rows as row groups, so memory stays bounded.
pub struct ParquetBatches<W: Write> {
    writer: polars::io::parquet::write::BatchedWriter<W>,
}

impl<W: Write> ParquetBatches<W> {
    /// Starts a file whose columns are those of `like` (names and types).
    pub fn new(
        out: W,
        like: &Table,
        compression: Compression,
    ) -> Result<ParquetBatches<W>, TableError> {
        Self::start(out, like, compression, true)
    }

    /// [`ParquetBatches::new`] encoding the columns one after the other on
    /// the calling thread (for a writer that has a thread of its own): the
    /// same bytes, fewer pages in memory at once.
    pub fn on_this_thread(
        out: W,
        like: &Table,
        compression: Compression,
    ) -> Result<ParquetBatches<W>, TableError> {
        Self::start(out, like, compression, false)
    }

    fn start(
        out: W,
        like: &Table,
        compression: Compression,
        parallel: bool,
    ) -> Result<ParquetBatches<W>, TableError> {
        let writer = pl::ParquetWriter::new(out)
            .with_compression(compression.polars())
            .set_parallel(parallel)
            .batched(like.df.schema())
            .map_err(err)?;
        Ok(ParquetBatches { writer })
    }

    /// Adds the rows of `batch`.
    pub fn write(&mut self, batch: &Table) -> Result<(), TableError> {
        self.writer.write_batch(&batch.df).map_err(err)
    }

    /// Writes the file's footer.
    pub fn finish(self) -> Result<(), TableError> {
        self.writer.finish().map(|_| ()).map_err(err)
    }
}

/// A column's null slots, one bit a row (set: a value), gathered row by row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validity {
    bytes: Vec<u8>,
    len: usize,
    nulls: usize,
}

impl Validity {
    pub fn with_capacity(rows: usize) -> Validity {
        Validity {
            bytes: Vec::with_capacity(rows.div_ceil(8)),
            len: 0,
            nulls: 0,
        }
    }

    /// Adds a row: `valid` if it holds a value.
    #[inline]
    pub fn push(&mut self, valid: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if let Some(b) = self.bytes.last_mut() {
            *b |= (valid as u8) << (self.len % 8);
        }
        self.nulls += usize::from(!valid);
        self.len += 1;
    }

    /// Adds rows, eight to a byte.
    pub fn extend(&mut self, valid: impl IntoIterator<Item = bool>) {
        let mut valid = valid.into_iter();
        while !self.len.is_multiple_of(8) {
            match valid.next() {
                Some(v) => self.push(v),
                None => return,
            }
        }
        loop {
            let (mut byte, mut n) = (0u8, 0);
            for v in valid.by_ref().take(8) {
                byte |= (v as u8) << n;
                n += 1;
            }
            if n == 0 {
                return;
            }
            self.bytes.push(byte);
            self.nulls += n - byte.count_ones() as usize;
            self.len += n;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bitmap, or none when every row holds a value.
    fn bitmap(self) -> Option<polars_arrow::bitmap::Bitmap> {
        (self.nulls > 0).then(|| polars_arrow::bitmap::Bitmap::from_u8_vec(self.bytes, self.len))
    }
}

/// The values of one column of a row group written by [`ParquetColumns`],
/// handed over as they are: numbers in a vector (a null's slot holds any
/// value) with a [`Validity`] where the column has nulls.
#[derive(Clone, Debug)]
pub enum Values {
    U64(Vec<u64>),
    U32(Vec<u32>, Option<Validity>),
    F64(Vec<f64>, Option<Validity>),
    /// Texts as codes into the names: written as a dictionary of the
    /// names used, in the order first used.
    Coded(Vec<u8>, &'static [&'static str]),
    /// Numbers as codes into their distinct values (keys, values): written
    /// as that dictionary, for a column of a few values that repeat.
    F64Coded(Vec<u32>, Vec<f64>),
    /// The same for whole numbers.
    U32Coded(Vec<u32>, Vec<u32>),
    /// One text repeated: (the text, the number of rows).
    Repeat(String, usize),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::U64(v) => v.len(),
            Values::U32(v, _) => v.len(),
            Values::F64(v, _) => v.len(),
            Values::Coded(v, _) => v.len(),
            Values::F64Coded(v, _) => v.len(),
            Values::U32Coded(v, _) => v.len(),
            Values::Repeat(_, n) => *n,
        }
    }

    /// The Arrow array, and whether it is a dictionary already.
    fn array(self) -> Result<(Box<dyn pa::Array>, bool), TableError> {
        // Codes into `values`, as a dictionary array (texts or numbers).
        let numbers = |keys: Vec<u32>, values: Box<dyn pa::Array>| {
            let dtype = ArrowDataType::Dictionary(
                IntegerType::UInt32,
                Box::new(values.dtype().clone()),
                false,
            );
            let keys = pa::PrimitiveArray::new(ArrowDataType::UInt32, keys.into(), None);
            pa::DictionaryArray::<u32>::try_new(dtype, keys, values)
                .map(|a| (Box::new(a) as Box<dyn pa::Array>, true))
                .map_err(err)
        };
        let dictionary = |keys: Vec<u32>, names: &[&str]| {
            numbers(keys, Box::new(pa::Utf8ViewArray::from_slice_values(names)))
        };
        Ok(match self {
            Values::U64(v) => (
                Box::new(pa::PrimitiveArray::new(
                    ArrowDataType::UInt64,
                    v.into(),
                    None,
                )),
                false,
            ),
            Values::U32(v, valid) => (
                Box::new(pa::PrimitiveArray::new(
                    ArrowDataType::UInt32,
                    v.into(),
                    valid.and_then(Validity::bitmap),
                )),
                false,
            ),
            Values::F64(v, valid) => (
                Box::new(pa::PrimitiveArray::new(
                    ArrowDataType::Float64,
                    v.into(),
                    valid.and_then(Validity::bitmap),
                )),
                false,
            ),
            Values::Coded(codes, names) => {
                let mut slot = [u32::MAX; 256];
                let mut used: Vec<&str> = Vec::new();
                let mut keys = Vec::with_capacity(codes.len());
                for c in codes {
                    let s = &mut slot[c as usize];
                    if *s == u32::MAX {
                        let name = names
                            .get(c as usize)
                            .ok_or_else(|| TableError(format!("no name for code {c}")))?;
                        *s = used.len() as u32;
                        used.push(name);
                    }
                    keys.push(*s);
                }
                dictionary(keys, &used)?
            }
            Values::F64Coded(keys, values) => numbers(
                keys,
                Box::new(pa::PrimitiveArray::new(
                    ArrowDataType::Float64,
                    values.into(),
                    None,
                )),
            )?,
            Values::U32Coded(keys, values) => numbers(
                keys,
                Box::new(pa::PrimitiveArray::new(
                    ArrowDataType::UInt32,
                    values.into(),
                    None,
                )),
            )?,
            Values::Repeat(text, n) => {
                let names: &[&str] = if n == 0 { &[] } else { &[text.as_str()] };
                dictionary(vec![0; n], names)?
            }
        })
    }
}

/// The smallest and largest value of a column of numbers without nulls,
/// in its Parquet type, for the statistics of a page. polars finds them
/// with a scalar loop over (min, max) pairs that keeps NaN: 14 % of the
/// task records' writer thread (issue 24, tenth round). Here eight lanes
/// are compared at a time; a column with a NaN, an infinity or a null is left to
/// polars, so the statistics are always polars' own values.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Extremes {
    F64(f64, f64),
    I64(i64, i64),
    I32(i32, i32),
}

impl Extremes {
    /// Of `len` rows from `offset`; None for an array of another type, with
    /// nulls, with a NaN or an infinity, or without rows.
    fn of(array: &dyn pa::Array, offset: usize, len: usize) -> Option<Extremes> {
        if array.null_count() > 0 || len == 0 {
            return None;
        }
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<pa::PrimitiveArray<f64>>() {
            let (lo, hi) = f64_extremes(a.values().get(offset..offset + len)?)?;
            Some(Extremes::F64(lo, hi))
        } else if let Some(a) = any.downcast_ref::<pa::PrimitiveArray<u64>>() {
            let (lo, hi) = int_extremes(a.values().get(offset..offset + len)?)?;
            // Parquet keeps unsigned 64-bit numbers as INT64, statistics too.
            Some(Extremes::I64(lo as i64, hi as i64))
        } else if let Some(a) = any.downcast_ref::<pa::PrimitiveArray<u32>>() {
            let (lo, hi) = int_extremes(a.values().get(offset..offset + len)?)?;
            Some(Extremes::I32(lo as i32, hi as i32))
        } else {
            None
        }
    }

    /// The page with these statistics (and a null count of 0), serialized
    /// as polars serializes its own: a zero minimum as -0.0, a zero maximum
    /// as +0.0, as the Parquet format asks.
    fn on(self, mut page: DataPage) -> DataPage {
        use polars_parquet::parquet::statistics::PrimitiveStatistics;
        let t = page.descriptor.primitive_type.clone();
        fn stats<T: polars_parquet::parquet::types::NativeType>(
            t: polars_parquet::parquet::schema::types::PrimitiveType,
            lo: T,
            hi: T,
        ) -> polars_parquet::parquet::statistics::ParquetStatistics {
            PrimitiveStatistics {
                primitive_type: t,
                null_count: Some(0),
                distinct_count: None,
                min_value: Some(lo),
                max_value: Some(hi),
            }
            .serialize()
        }
        let s = match self {
            Extremes::F64(lo, hi) => {
                let lo = if lo == 0.0 { -0.0 } else { lo };
                let hi = if hi == 0.0 { 0.0 } else { hi };
                stats(t, lo, hi)
            }
            Extremes::I64(lo, hi) => stats(t, lo, hi),
            Extremes::I32(lo, hi) => stats(t, lo, hi),
        };
        let mut header = page.header().clone();
        match &mut header {
            DataPageHeader::V1(h) => h.statistics = Some(s),
            DataPageHeader::V2(h) => h.statistics = Some(s),
        }
        let buffer = CowBuffer::Owned(std::mem::take(page.buffer_mut()));
        let rows = page.num_rows().unwrap_or(0);
        DataPage::new(header, buffer, page.descriptor, rows)
    }
}

/// A column's pages given statistics from [`Extremes`], one page after the
/// other.
#[derive(Clone)]
struct OwnStatistics {
    /// The whole column's (the only page's, most often).
    whole: Extremes,
    array: Box<dyn pa::Array>,
    /// The next page's first row.
    offset: usize,
}

impl OwnStatistics {
    /// For a column `Extremes` can read; None leaves it to polars.
    fn of(array: &dyn pa::Array) -> Option<OwnStatistics> {
        Some(OwnStatistics {
            whole: Extremes::of(array, 0, array.len())?,
            array: array.to_boxed(),
            offset: 0,
        })
    }

    /// The column's next page, with its statistics.
    fn next(&mut self, page: DataPage) -> DataPage {
        let rows = page.num_rows().unwrap_or(0);
        let e = if self.offset == 0 && rows == self.array.len() {
            Some(self.whole)
        } else {
            Extremes::of(self.array.as_ref(), self.offset, rows)
        };
        self.offset += rows;
        match e {
            Some(e) => e.on(page),
            None => page,
        }
    }
}

/// The smallest and largest of `v`, or None if it is empty or holds a NaN
/// (or an infinity: `x - x` flags both, in a form that vectorizes, and
/// polars takes over, so an infinity costs only speed).
#[allow(clippy::eq_op)] // `x - x` is the test: 0 unless x is NaN or infinite.
fn f64_extremes(v: &[f64]) -> Option<(f64, f64)> {
    const LANES: usize = 8;
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut odd = [0.0f64; LANES];
    let chunks = v.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..LANES {
            let x = c[i];
            lo[i] = if x < lo[i] { x } else { lo[i] };
            hi[i] = if x > hi[i] { x } else { hi[i] };
            odd[i] += x - x;
        }
    }
    for &x in rest {
        lo[0] = if x < lo[0] { x } else { lo[0] };
        hi[0] = if x > hi[0] { x } else { hi[0] };
        odd[0] += x - x;
    }
    if v.is_empty() || odd.iter().any(|&o| o != 0.0) {
        return None;
    }
    let lo = lo
        .iter()
        .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
    let hi = hi
        .iter()
        .fold(f64::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    Some((lo, hi))
}

fn int_extremes<T: Ord + Copy>(v: &[T]) -> Option<(T, T)> {
    Some((*v.iter().min()?, *v.iter().max()?))
}

/// How [`ParquetColumns`] encodes a column of numbers (text columns are
/// always dictionaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encode {
    /// The values as they are.
    Plain,
    /// A dictionary if the row group's values repeat enough (polars'
    /// decision: a cheap range check for integers, an estimate of the
    /// distinct count for floats), else plain.
    Dictionary,
    /// Integers as differences from the one before, bit-packed (Parquet's
    /// `DELTA_BINARY_PACKED`): a few bytes for ids that count up.
    Delta,
}

/// How a [`ParquetColumns`] file is written.
#[derive(Clone, Debug)]
pub struct ColumnsOptions {
    /// Each column's minimum, maximum and null count in every row group.
    pub statistics: bool,
    /// Per column, in order: its encoding and its pages' compression.
    pub columns: Vec<(Encode, Compression)>,
}

/// One Parquet file written row group by row group from [`Values`], with
/// the encoding chosen for each column: no frame is built and no encoding
/// is tried that cannot pay. The schema (and its `ARROW:schema` key) is
/// the one polars writes for a table like `like`, so readers see the same
/// columns and types as from [`ParquetBatches`].
pub struct ParquetColumns<W: Write> {
    writer: pw::FileWriter<W>,
    types: Vec<pw::ParquetType>,
    options: pw::WriteOptions,
    columns: Vec<(Encode, Compression)>,
    /// Statistics from [`Extremes`] where it can (off only in a test that
    /// compares the bytes with polars' own).
    own_extremes: bool,
}

impl<W: Write> ParquetColumns<W> {
    /// Starts a file whose columns are those of `like` (names and types).
    pub fn new(
        out: W,
        like: &Table,
        options: ColumnsOptions,
    ) -> Result<ParquetColumns<W>, TableError> {
        use pl::SchemaExt;
        let schema = like.df.schema().to_arrow(pl::CompatLevel::newest());
        if options.columns.len() != schema.len() {
            return Err(TableError(format!(
                "{} encodings for {} columns",
                options.columns.len(),
                schema.len()
            )));
        }
        let write = pw::WriteOptions {
            statistics: if options.statistics {
                pw::StatisticsOptions::default()
            } else {
                pw::StatisticsOptions::empty()
            },
            compression: pw::CompressionOptions::Uncompressed,
            version: pw::Version::V1,
            data_page_size: None,
        };
        let writer = pw::FileWriter::try_new(out, schema, write).map_err(err)?;
        let types = writer.parquet_schema().fields().to_vec();
        Ok(ParquetColumns {
            writer,
            types,
            options: write,
            columns: options.columns,
            own_extremes: true,
        })
    }

    /// Writes one row group of `columns` (in file order, of equal length;
    /// none written if they are empty).
    pub fn write(&mut self, columns: Vec<Values>) -> Result<(), TableError> {
        if columns.len() != self.types.len() {
            return Err(TableError(format!(
                "{} columns for a file of {}",
                columns.len(),
                self.types.len()
            )));
        }
        let rows = columns.first().map_or(0, Values::len);
        if columns.iter().any(|c| c.len() != rows) {
            return Err(TableError("columns of different lengths".into()));
        }
        if rows == 0 {
            return Ok(());
        }
        let mut chunks = Vec::with_capacity(columns.len());
        for ((values, type_), (encode, compression)) in
            columns.into_iter().zip(&self.types).zip(&self.columns)
        {
            let (array, dictionary) = values.array()?;
            let encoding = match encode {
                _ if dictionary => pw::Encoding::RleDictionary,
                Encode::Dictionary => pw::Encoding::RleDictionary,
                Encode::Delta => pw::Encoding::DeltaBinaryPacked,
                Encode::Plain => pw::Encoding::Plain,
            };
            // Plain and delta-encoded numbers get their statistics from
            // `Extremes` (the same values, found faster); the rest, and any
            // column with nulls or NaN, from polars.
            let own = match encoding {
                pw::Encoding::Plain | pw::Encoding::DeltaBinaryPacked
                    if self.options.has_statistics() && self.own_extremes =>
                {
                    OwnStatistics::of(array.as_ref())
                }
                _ => None,
            };
            let options = match own {
                Some(_) => pw::WriteOptions {
                    statistics: pw::StatisticsOptions::empty(),
                    ..self.options
                },
                None => self.options,
            };
            let pages =
                pw::array_to_columns(array, type_.clone(), options, &[encoding]).map_err(err)?;
            for pages in pages {
                let mut own = own.clone();
                let pages = pages.map(move |page| {
                    let page = match (page, &mut own) {
                        (Ok(pw::Page::Data(p)), Some(own)) => Ok(pw::Page::Data(own.next(p))),
                        (page, _) => page,
                    };
                    page.map_err(|e| {
                        polars_parquet::read::ParquetError::FeatureNotSupported(e.to_string())
                    })
                });
                let compressed =
                    pw::Compressor::new_from_vec(pages, compression.codec(), Vec::new())
                        .map_err(pl::PolarsError::from);
                chunks.push(Ok(pw::DynStreamingIterator::new(compressed)));
            }
        }
        self.writer
            .write(rows as u64, pw::DynIter::new(chunks.into_iter()))
            .map_err(err)
    }

    /// Writes the file's footer.
    pub fn finish(mut self) -> Result<(), TableError> {
        self.writer.end(None).map(|_| ()).map_err(err)
    }
}

/// Writes a CSV file with a header line from a stream of tables with the
/// columns of `like` (`next` gives each in turn, `None` after the last): the
/// same text as [`Table::write_csv`] of their concatenation, with one batch
/// in memory at a time.
pub fn write_csv_batches(
    out: impl Write,
    like: &Table,
    next: &mut dyn FnMut() -> Result<Option<Table>, TableError>,
) -> Result<(), TableError> {
    let mut w = std::io::BufWriter::new(out);
    {
        let mut batches = pl::CsvWriter::new(&mut w)
            .include_header(true)
            .batched(like.df.schema())
            .map_err(err)?;
        while let Some(batch) = next()? {
            batches.write_batch(&batch.df).map_err(err)?;
        }
        batches.finish().map_err(err)?;
    }
    w.flush().map_err(err)
}

/// A Parquet file read in slices: its column names and row count come from
/// the footer, read once.
pub struct ParquetFile {
    path: PathBuf,
    metadata: std::sync::Arc<pl::FileMetadata>,
    names: Vec<String>,
    rows: usize,
    /// Whether each column (in `names` order) holds numbers once read.
    numeric: Vec<bool>,
}

impl ParquetFile {
    pub fn open(path: &Path) -> Result<ParquetFile, ReadError> {
        let file = std::fs::File::open(path).map_err(ReadError::Open)?;
        let table = |e| ReadError::Table(err(e));
        let mut reader = pl::ParquetReader::new(file);
        let schema = reader.schema().map_err(table)?;
        let names = schema.iter_names().map(|n| n.to_string()).collect();
        let numeric = schema
            .iter_values()
            .map(|f| pl::DataType::from_arrow_dtype(&f.dtype).is_primitive_numeric())
            .collect();
        let rows = reader.num_rows().map_err(table)?;
        let metadata = reader.get_metadata().map_err(table)?.clone();
        Ok(ParquetFile {
            path: path.to_path_buf(),
            metadata,
            names,
            rows,
            numeric,
        })
    }

    /// Whether column `name` holds numbers (integers or floats) once read,
    /// as [`Table::is_numeric`] says of it (false when there is no such
    /// column).
    pub fn is_numeric(&self, name: &str) -> bool {
        self.names
            .iter()
            .position(|n| n == name)
            .is_some_and(|i| self.numeric[i])
    }

    /// The rows of each row group, in file order.
    pub fn row_group_rows(&self) -> Vec<usize> {
        self.metadata
            .row_groups
            .iter()
            .map(|g| g.num_rows())
            .collect()
    }

    /// Whether the file's statistics say that column `name` holds nothing
    /// but nulls in row group `group` (false when they do not say, or there
    /// is no such group or column): its values need not be read there.
    pub fn all_null(&self, group: usize, name: &str) -> bool {
        let Some(g) = self.metadata.row_groups.get(group) else {
            return false;
        };
        let Some(mut chunks) = g.columns_under_root_iter(name) else {
            return false;
        };
        let rows = g.num_rows() as i64;
        chunks.len() == 1
            && chunks.all(|c| {
                c.statistics(&self.metadata.footer_buf)
                    .and_then(Result::ok)
                    .and_then(|s| s.null_count())
                    == Some(rows)
            })
    }

    /// Column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// [`ParquetFile::read`] decoding the columns one after the other on
    /// the calling thread, not on polars' threads (for a reader that has a
    /// thread of its own): the same table, without waking the pool for every
    /// slice (issue 24).
    pub fn read_on_this_thread(
        &self,
        columns: &[String],
        offset: usize,
        len: usize,
    ) -> Result<Table, ReadError> {
        let file = std::fs::File::open(&self.path).map_err(ReadError::Open)?;
        let mut reader = pl::ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        reader
            .with_columns(Some(columns.to_vec()))
            .with_slice(Some((offset, len)))
            .read_parallel(pl::ParallelStrategy::None)
            .finish()
            .map(|df| Table { df })
            .map_err(|e| ReadError::Table(err(e)))
    }

    /// Reads `len` rows from row `offset` of the `columns` named.
    pub fn read(&self, columns: &[String], offset: usize, len: usize) -> Result<Table, ReadError> {
        let file = std::fs::File::open(&self.path).map_err(ReadError::Open)?;
        let mut reader = pl::ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        reader
            .with_columns(Some(columns.to_vec()))
            .with_slice(Some((offset, len)))
            .finish()
            .map(|df| Table { df })
            .map_err(|e| ReadError::Table(err(e)))
    }
}

/// The array type of a polars column type.
type Arr<T> = <T as pl::PolarsDataType>::Array;

/// A column of numbers read row by row straight from its buffer (issue 24):
/// integers and floats in the type they are stored in, converted to `f64`
/// one value at a time as [`Table::f64s`] converts the whole column (`as`),
/// with no copy of the column. A type the view does not cover (an 8- or
/// 16-bit integer, a 32-bit float, …) is cast to floats first, as
/// [`Table::f64s`] does. One array: several are joined first.
pub struct NumberColumn(pl::Column);

/// A borrowed [`NumberColumn`], to read values by row.
#[derive(Clone, Copy)]
pub enum Numbers<'a> {
    F64(&'a Arr<pl::Float64Type>),
    I64(&'a Arr<pl::Int64Type>),
    I32(&'a Arr<pl::Int32Type>),
    U64(&'a Arr<pl::UInt64Type>),
    U32(&'a Arr<pl::UInt32Type>),
    /// No rows.
    Empty,
}

impl NumberColumn {
    /// The values, to read by row.
    pub fn view(&self) -> Numbers<'_> {
        fn one<T: pl::PolarsDataType>(
            ca: pl::PolarsResult<&pl::ChunkedArray<T>>,
        ) -> Option<&Arr<T>> {
            ca.ok()?.downcast_iter().next()
        }
        let c = &self.0;
        let v = match c.dtype() {
            pl::DataType::Float64 => one(c.f64()).map(Numbers::F64),
            pl::DataType::Int64 => one(c.i64()).map(Numbers::I64),
            pl::DataType::Int32 => one(c.i32()).map(Numbers::I32),
            pl::DataType::UInt64 => one(c.u64()).map(Numbers::U64),
            pl::DataType::UInt32 => one(c.u32()).map(Numbers::U32),
            _ => None,
        };
        v.unwrap_or(Numbers::Empty)
    }
}

impl Numbers<'_> {
    /// Row `i`'s value as `f64`, `None` when it is null (or past the end).
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        use pl::StaticArray;
        match self {
            Numbers::F64(a) => a.get(i),
            Numbers::I64(a) => a.get(i).map(|v| v as f64),
            Numbers::I32(a) => a.get(i).map(|v| v as f64),
            Numbers::U64(a) => a.get(i).map(|v| v as f64),
            Numbers::U32(a) => a.get(i).map(|v| v as f64),
            Numbers::Empty => None,
        }
    }
}

/// A text column read row by row straight from its buffers (issue 24): the
/// same values as [`Text::values`] without collecting them. One array:
/// several are joined first.
pub struct StrColumn(pl::Column);

/// A borrowed [`StrColumn`], to read values by row.
#[derive(Clone, Copy)]
pub struct Strs<'a>(Option<&'a Arr<pl::StringType>>);

impl StrColumn {
    /// The values, to read by row.
    pub fn view(&self) -> Strs<'_> {
        Strs(self.0.str().ok().and_then(|ca| ca.downcast_iter().next()))
    }
}

impl<'a> Strs<'a> {
    /// Row `i`'s text, `None` when it is null (or past the end).
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        // The trait's `get` (`None` past the end), not the array's own
        // (which panics there).
        self.0.and_then(|a| pl::StaticArray::get(a, i))
    }
}

impl Table {
    /// Column `name` of numbers (integers or floats; see
    /// [`Table::is_numeric`]) to read row by row without copying it.
    pub fn numbers(&self, name: &str) -> Result<NumberColumn, TableError> {
        let c = self.column(name)?;
        let c = match c.dtype() {
            pl::DataType::Float64
            | pl::DataType::Int64
            | pl::DataType::Int32
            | pl::DataType::UInt64
            | pl::DataType::UInt32 => c.rechunk(),
            _ => c.cast(&pl::DataType::Float64).map_err(err)?.rechunk(),
        };
        Ok(NumberColumn(c))
    }

    /// Column `name`, which must hold text (`None` when it holds anything
    /// else), to read row by row without copying it.
    pub fn strings(&self, name: &str) -> Result<Option<StrColumn>, TableError> {
        let c = self.column(name)?;
        Ok((c.dtype() == &pl::DataType::String).then(|| StrColumn(c.rechunk())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_round_trips_through_parquet_with_its_types() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Table::new(vec![
            ("name", Column::from(vec!["a".to_string(), "b".into()])),
            ("x", vec![1.5, 2.0].into()),
            ("n", vec![Some(3u64), None].into()),
            ("k", vec![7u32, 8].into()),
            ("ok", vec![true, false].into()),
        ])
        .unwrap();
        write_parquet_and_csv(dir.path(), "t", &mut t).unwrap();
        let back = Table::read_parquet(&dir.path().join("t.parquet")).unwrap();
        assert_eq!(back.names(), vec!["name", "x", "n", "k", "ok"]);
        assert_eq!(back.height(), 2);
        assert_eq!(back.kind("n"), Some(Kind::U64));
        assert_eq!(back.kind("k"), Some(Kind::U32));
        assert_eq!(back.kind("nope"), None);
        assert_eq!(
            back.strs("name").unwrap(),
            vec![Some("a".into()), Some("b".into())]
        );
        assert_eq!(back.f64s("n").unwrap(), vec![Some(3.0), None]);
        assert_eq!(
            back.text("x").unwrap().values(),
            vec![Some("1.5"), Some("2.0")]
        );
        assert!(back.is_numeric("k").unwrap() && !back.is_numeric("name").unwrap());
        let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        assert_eq!(csv, "name,x,n,k,ok\na,1.5,3,7,true\nb,2.0,,8,false\n");
        let f = ParquetFile::open(&dir.path().join("t.parquet")).unwrap();
        assert_eq!(f.rows(), 2);
        let slice = f.read(&["k".to_string()], 1, 1).unwrap();
        assert_eq!(slice.names(), vec!["k"]);
        assert_eq!(slice.f64s("k").unwrap(), vec![Some(8.0)]);
    }

    #[test]
    fn validity_packs_rows_the_same_one_by_one_or_in_runs() {
        let bits: Vec<bool> = (0..1_000u32)
            .map(|i| i.wrapping_mul(2_654_435_761) % 5 != 0)
            .collect();
        let mut one = Validity::with_capacity(0);
        for b in &bits {
            one.push(*b);
        }
        let mut runs = Validity::default();
        let mut at = 0;
        for n in [3, 8, 13, 1, 0, 64, 7].iter().cycle() {
            let end = (at + n).min(bits.len());
            runs.extend(bits[at..end].iter().copied());
            at = end;
            if at == bits.len() {
                break;
            }
        }
        assert_eq!(one, runs);
        assert_eq!(one.len(), 1_000);
        assert_eq!(one.nulls, bits.iter().filter(|b| !**b).count());
        assert_eq!(
            one.bytes[0],
            bits[..8].iter().rev().fold(0, |a, b| a << 1 | *b as u8)
        );
    }

    /// A file of `like`'s columns at `path`, written with statistics and
    /// these encodings.
    fn with_statistics(
        path: &Path,
        like: &Table,
        columns: Vec<(Encode, Compression)>,
    ) -> ParquetColumns<std::fs::File> {
        let options = ColumnsOptions {
            statistics: true,
            columns,
        };
        ParquetColumns::new(std::fs::File::create(path).unwrap(), like, options).unwrap()
    }

    /// Ids that count up take a few bytes as differences (bit width 0 after
    /// the first), against 8 bytes each as they are; values, nulls and
    /// texts read back the same either way.
    #[test]
    fn columns_are_written_with_the_encoding_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let like = Table::new(vec![
            ("id", Column::U64(vec![])),
            ("x", Column::OptF64(vec![])),
            ("kind", Column::StaticStr(vec![])),
            ("p", Column::Repeat(String::new(), 0)),
        ])
        .unwrap();
        let n = 65_536usize;
        let write = |name: &str, id: Encode| {
            let path = dir.path().join(name);
            let mut w = with_statistics(
                &path,
                &like,
                vec![
                    (id, Compression::Uncompressed),
                    (Encode::Plain, Compression::Uncompressed),
                    (Encode::Plain, Compression::Snappy),
                    (Encode::Plain, Compression::Lz4Raw),
                ],
            );
            let mut valid = Validity::with_capacity(n);
            for i in 0..n {
                valid.push(i % 3 != 0);
            }
            w.write(vec![
                Values::U64((1_000..1_000 + n as u64).collect()),
                Values::F64((0..n).map(|i| i as f64 / 4.0).collect(), Some(valid)),
                Values::Coded(
                    (0..n).map(|i| (i % 2) as u8 * 2).collect(),
                    &["a", "b", "c"],
                ),
                Values::Repeat("fg".into(), n),
            ])
            .unwrap();
            // Columns of unequal length, or too few, are refused.
            assert!(w.write(vec![Values::U64(vec![1])]).is_err());
            w.finish().unwrap();
            path
        };
        let plain = write("plain.parquet", Encode::Plain);
        let delta = write("delta.parquet", Encode::Delta);
        let size = |p: &Path| std::fs::metadata(p).unwrap().len();
        assert!(size(&plain) - size(&delta) > 8 * n as u64 - 8 * 1024);
        for p in [&plain, &delta] {
            let t = Table::read_parquet(p).unwrap();
            assert_eq!(t.names(), vec!["id", "x", "kind", "p"]);
            let ids = t.u64s("id").unwrap();
            assert_eq!((ids[0], ids[n - 1]), (1_000, 1_000 + n as u64 - 1));
            let x = t.f64s("x").unwrap();
            assert_eq!(&x[..4], &[None, Some(0.25), Some(0.5), None]);
            let kind = t.strs("kind").unwrap();
            assert_eq!(kind[..2], [Some("a".to_string()), Some("c".into())]);
            assert_eq!(t.strs("p").unwrap()[n - 1].as_deref(), Some("fg"));
        }
    }

    /// Statistics found by `Extremes` are polars' own, to the byte: over
    /// several pages of a row group (a million numbers), with zeros of both
    /// signs, negative numbers, a NaN, an infinity or a null (left to
    /// polars), plain and
    /// delta-encoded.
    #[test]
    fn own_statistics_are_the_bytes_polars_writes() {
        let dir = tempfile::tempdir().unwrap();
        let like = Table::new(vec![
            ("id", Column::U64(vec![])),
            ("n", Column::U32(vec![])),
            ("x", Column::F64(vec![])),
            ("y", Column::OptF64(vec![])),
            ("z", Column::F64(vec![])),
        ])
        .unwrap();
        let n = 1_000_003usize;
        let write = |name: &str, own: bool| {
            let path = dir.path().join(name);
            let mut w = with_statistics(
                &path,
                &like,
                vec![
                    (Encode::Delta, Compression::Uncompressed),
                    (Encode::Plain, Compression::Snappy),
                    (Encode::Plain, Compression::Uncompressed),
                    (Encode::Plain, Compression::Uncompressed),
                    (Encode::Plain, Compression::Uncompressed),
                ],
            );
            w.own_extremes = own;
            let mut valid = Validity::with_capacity(n);
            for i in 0..n {
                valid.push(i != 77);
            }
            for round in 0..2u64 {
                w.write(vec![
                    Values::U64(
                        (0..n as u64)
                            .map(|i| (i * 7_919 + round) % 1_000_033)
                            .collect(),
                    ),
                    Values::U32(
                        (0..n as u32)
                            .map(|i| i.wrapping_mul(2_654_435_761))
                            .collect(),
                        None,
                    ),
                    // Zeros of both signs; the second round all negative.
                    Values::F64(
                        (0..n)
                            .map(|i| match (round, i % 3) {
                                (0, 0) => 0.0,
                                (0, 1) => -0.0,
                                (0, _) => i as f64 / 8.0,
                                _ => -(i as f64) - 0.5,
                            })
                            .collect(),
                        None,
                    ),
                    Values::F64((0..n).map(|i| i as f64).collect(), Some(valid.clone())),
                    Values::F64(
                        (0..n)
                            .map(|i| {
                                if round == 1 && i == n / 2 {
                                    f64::NAN
                                } else {
                                    1.0
                                }
                            })
                            .collect(),
                        None,
                    ),
                ])
                .unwrap();
            }
            w.finish().unwrap();
            std::fs::read(path).unwrap()
        };
        let ours = write("ours.parquet", true);
        let theirs = write("theirs.parquet", false);
        assert_eq!(ours.len(), theirs.len());
        assert!(ours == theirs);
    }

    #[test]
    fn extremes_are_found_in_every_lane_and_a_nan_refuses() {
        let v: Vec<f64> = (0..21).map(|i| (i as f64 - 10.0) * 1.5).collect();
        assert_eq!(f64_extremes(&v), Some((-15.0, 15.0)));
        // The smallest and the largest in the remainder past the lanes.
        let mut w = vec![1.0; 19];
        w[17] = -3.0;
        w[18] = 4.0;
        assert_eq!(f64_extremes(&w), Some((-3.0, 4.0)));
        w[3] = f64::NAN;
        assert_eq!(f64_extremes(&w), None);
        assert_eq!(f64_extremes(&[]), None);
        // An infinity is left to polars too.
        assert_eq!(f64_extremes(&[1.0, f64::INFINITY]), None);
        assert_eq!(int_extremes(&[3u32, 9, 1, 4]), Some((1, 9)));
        assert_eq!(int_extremes::<u64>(&[]), None);
    }

    #[test]
    fn batches_make_one_file_and_tables_stack_and_reorder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.parquet");
        let batch = |v: Vec<u64>| Table::new(vec![("point", Column::from(v))]).unwrap();
        let mut w = ParquetBatches::new(
            std::fs::File::create(&path).unwrap(),
            &batch(vec![]),
            Compression::Snappy,
        )
        .unwrap();
        w.write(&batch(vec![2, 0])).unwrap();
        w.write(&batch(vec![1])).unwrap();
        w.finish().unwrap();
        let mut t = Table::read_parquet(&path).unwrap();
        assert_eq!(t.u64s("point").unwrap(), vec![2, 0, 1]);
        t.append(&batch(vec![3])).unwrap();
        let sorted = t.take(&[1, 2, 0, 3]).unwrap();
        assert_eq!(sorted.u64s("point").unwrap(), vec![0, 1, 2, 3]);
        t.replace("point", vec![9u64, 9, 9, 9].into()).unwrap();
        assert_eq!(t.u64s("point").unwrap(), vec![9; 4]);
        assert!(t.u64s("other").is_err());
    }
}
