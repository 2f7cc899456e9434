//! The statistics columns: counted from them, a register gives the report it gives from its
//! records, whatever order the records come in; a first SQLite import keeps them, and any
//! later write makes the store hand out the records instead.

use spor_core::{ImportBatch, Register};
use spor_stats::Columns;
use spor_store::Store;

#[test]
fn records_out_of_reference_order_give_the_same_report() {
    let reg = spor_demo::register();
    let expected = spor_stats::evaluate(&reg, 2023).unwrap();
    let mut shuffled = reg.clone();
    let mut rng = fastrand::Rng::with_seed(7);
    rng.shuffle(&mut shuffled.identifications);
    rng.shuffle(&mut shuffled.assessments);
    rng.shuffle(&mut shuffled.hotline_calls);
    assert_ne!(shuffled.identifications, reg.identifications);
    assert_eq!(spor_stats::evaluate(&shuffled, 2023).unwrap(), expected);
    // And the same columns, so the same bytes: what an import keeps does not depend on
    // the order of the file.
    assert_eq!(
        Columns::of_register(&shuffled).to_bytes(),
        Columns::of_register(&reg).to_bytes()
    );
}

#[test]
fn columns_read_back_from_bytes_give_the_same_report() {
    let reg = spor_demo::register();
    let cols = Columns::from_bytes(&Columns::of_register(&reg).to_bytes()).unwrap();
    let light = Register {
        identifications: Vec::new(),
        assessments: Vec::new(),
        hotline_calls: Vec::new(),
        ..reg.clone()
    };
    for year in [2022, 2023] {
        assert_eq!(
            spor_stats::evaluate_columns(&light, &cols, year).unwrap(),
            spor_stats::evaluate(&reg, year).unwrap(),
            "{year}"
        );
    }
}

/// The register with its records in reference order, as a store and an exported file hold
/// them.
fn in_reference_order(mut reg: Register) -> Register {
    reg.identifications
        .sort_by(|a, b| a.case_ref.cmp(&b.case_ref));
    reg.assessments
        .sort_by(|a, b| a.assessment_ref.cmp(&b.assessment_ref));
    reg.hotline_calls
        .sort_by(|a, b| a.call_ref.cmp(&b.call_ref));
    reg
}

/// The rows of `reg` handed to a builder in chunks of `size` (as an import hands them
/// over while reading).
fn built_in_chunks(reg: &Register, size: usize) -> Option<Columns> {
    let mut b = spor_stats::ColumnsBuilder::default();
    let chunk = |i: usize, n: usize| i.min(n)..(i + size).min(n);
    let longest = reg
        .identifications
        .len()
        .max(reg.assessments.len())
        .max(reg.hotline_calls.len());
    for i in (0..longest).step_by(size) {
        b.add(
            &reg.identifications[chunk(i, reg.identifications.len())],
            &reg.assessments[chunk(i, reg.assessments.len())],
            &reg.hotline_calls[chunk(i, reg.hotline_calls.len())],
        );
    }
    b.finish()
}

#[test]
fn columns_built_chunk_by_chunk_are_the_columns_of_all_the_rows() {
    let reg = in_reference_order(spor_demo::register());
    let whole = Columns::of_register(&reg);
    for size in [1, 7, 500, reg.identifications.len()] {
        let built = built_in_chunks(&reg, size).expect("the demo is in reference order");
        assert_eq!(built, whole, "chunks of {size}");
        assert_eq!(built.to_bytes(), whole.to_bytes());
    }
    // A nationality that only an interview names gets the number after the decisions'.
    let mut odd = reg.clone();
    let last = odd.assessments.len() - 1;
    odd.assessments[0].nationality = spor_core::Country::new_unchecked("IS");
    odd.assessments[last].nationality = spor_core::Country::new_unchecked("NR");
    assert_eq!(built_in_chunks(&odd, 13), Some(Columns::of_register(&odd)));
}

#[test]
fn a_builder_declines_rows_it_cannot_number_as_a_whole_register_would() {
    let reg = in_reference_order(spor_demo::register());
    assert!(built_in_chunks(&reg, 100).is_some());
    // Out of reference order, within a chunk or across two.
    let mut swapped = reg.clone();
    swapped.identifications.swap(3, 4);
    assert_eq!(built_in_chunks(&swapped, 100), None);
    assert_eq!(built_in_chunks(&swapped, 4), None);
    let mut calls = reg.clone();
    calls.hotline_calls.reverse();
    assert_eq!(built_in_chunks(&calls, 50), None);
    // A person_ref longer than 15 bytes.
    let mut long = reg.clone();
    long.assessments[2].person_ref = spor_core::Ref::parse("PERSON-WITH-A-LONG-REF").unwrap();
    assert_eq!(built_in_chunks(&long, 50), None);
}

/// Imports `batch` as the `spor import` command does on SQLite: streamed, with the columns.
async fn stream_import(store: &dyn Store, batch: &ImportBatch) {
    let stream = store.begin_import_stream().await.expect("SQLite streams");
    stream.send(batch.clone(), [true; 4]);
    stream
        .finish(batch, || {
            Columns::of_records(
                &batch.identifications,
                &batch.assessments,
                &batch.hotline_calls,
            )
            .to_bytes()
        })
        .expect("import");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_import_keeps_columns_until_the_register_changes() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").to_string_lossy().into_owned();
    let batch = spor_demo::build();
    stream_import(spor_store::open(&url).await.unwrap().as_ref(), &batch).await;

    let store = spor_store::open(&url).await.unwrap();
    let cache = store
        .statistics_cache()
        .expect("SQLite keeps statistics columns");
    let (_, kept) = cache.kept_columns().await.unwrap();
    assert!(kept.is_some(), "a first import keeps the columns");
    store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .unwrap();
    // The setting changed `last_change`: the columns are not handed out.
    let (head, kept) = cache.kept_columns().await.unwrap();
    assert!(kept.is_none());
    assert!(head.identifications.is_empty());
    assert_eq!(head.history.len(), batch.history.len());

    // Again, into a new store whose setting is made first (it does not touch records).
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("spor.db").to_string_lossy().into_owned();
    let store = spor_store::open(&url).await.unwrap();
    store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .unwrap();
    stream_import(store.as_ref(), &batch).await;
    let store = spor_store::open(&url).await.unwrap();
    let cache = store.statistics_cache().unwrap();
    let (light, kept) = cache.kept_columns().await.unwrap();
    let bytes = kept.expect("a first import keeps the columns");
    assert!(light.identifications.is_empty() && light.assessments.is_empty());
    assert_eq!(light.history.len(), batch.history.len());
    let cols = Columns::from_bytes(&bytes).unwrap();
    assert_eq!(cols.decisions(), batch.identifications.len());
    let full = store.load_register().await.unwrap();
    assert_eq!(
        spor_stats::evaluate_columns(&light, &cols, 2023).unwrap(),
        spor_stats::evaluate(&full, 2023).unwrap()
    );

    // A second import changes the register: the columns are no longer handed out, and
    // keeping columns under the old stamp is refused.
    let old_stamp = light.last_change.expect("a stamp");
    let mut more = ImportBatch {
        identifications: vec![batch.identifications[0].clone()],
        ..Default::default()
    };
    let age = &mut more.identifications[0].age;
    *age = Some(if *age == Some(40) { 41 } else { 40 });
    store.apply_import(&more).await.unwrap();
    let (_, kept) = cache.kept_columns().await.unwrap();
    assert!(kept.is_none());
    assert!(!cache.keep_columns(old_stamp, &bytes).await.unwrap());
    assert!(cache.kept_columns().await.unwrap().1.is_none());
}
