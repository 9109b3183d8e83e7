use super::*;
use proptest::prelude::*;

fn meta(key: &str, size: u64) -> ObjectMeta {
    ObjectMeta {
        key: key.into(),
        size,
        etag: "\"e\"".into(),
        crc64: 0,
        last_modified_ms: 1,
        headers: vec![("content-type".into(), "text/plain".into())],
        storage_class: "STANDARD".into(),
        attrs: Default::default(),
    }
}

fn put(store: &Store, key: &str, data: &[u8]) -> ObjectMeta {
    let mut w = store.writer(data.len() as u64).unwrap();
    w.write(data).unwrap();
    let (blob, d) = w.finish().unwrap();
    let mut m = meta(key, d.len);
    m.etag = format!("\"{}\"", hex::encode(d.md5));
    m.crc64 = d.crc64;
    store.put_object("b-1", m.clone(), blob).unwrap();
    m
}

fn read(store: &Store, key: &str) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let (_, src) = store.get_object("b-1", key).unwrap()?;
    Some(match src {
        BlobSource::Memory(b) => b.to_vec(),
        BlobSource::File(mut f) => {
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            v
        }
        BlobSource::Composite(c) => read_composite(c),
    })
}

fn read_composite(c: Arc<Composite>) -> Vec<u8> {
    use std::io::Read as _;
    let len = c.len();
    let mut v = Vec::new();
    CompositeReader::new(c, 0, len).read_to_end(&mut v).unwrap();
    v
}

fn blob_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("blobs")).unwrap().count()
}

/// An upload `id` of `key` with parts 1 (the minimum size), 2 and 3; completes 1 and 3 and
/// returns the object's bytes.
fn complete_1_and_3(store: &Store, id: &str, key: &str) -> Vec<u8> {
    upload(store, id, key);
    let big: Vec<u8> = (0..MIN_PART_SIZE).map(|i| (i % 253) as u8).collect();
    let p1 = part(store, id, key, 1, &big);
    part(store, id, key, 2, b"never listed");
    let p3 = part(store, id, key, 3, b"the tail");
    let meta = store
        .complete_upload("b-1", key, id, &[(1, p1.etag()), (3, p3.etag())], 5)
        .unwrap();
    let mut expected = big;
    expected.extend_from_slice(b"the tail");
    assert_eq!(meta.size, expected.len() as u64);
    expected
}

fn buckets() -> Vec<String> {
    vec!["b-1".to_string()]
}

fn part(store: &Store, upload: &str, key: &str, n: u32, data: &[u8]) -> PartMeta {
    let mut w = store.writer(data.len() as u64).unwrap();
    w.write(data).unwrap();
    let (blob, d) = w.finish().unwrap();
    let p = PartMeta {
        number: n,
        size: d.len,
        md5: d.md5,
        crc64: d.crc64,
        last_modified_ms: 2,
    };
    assert!(store.put_part("b-1", key, upload, p.clone(), blob).unwrap());
    p
}

fn upload(store: &Store, id: &str, key: &str) {
    store
        .create_upload(UploadMeta {
            upload_id: id.into(),
            bucket: "b-1".into(),
            key: key.into(),
            initiated_ms: 1,
            headers: vec![],
            storage_class: "STANDARD".into(),
            attrs: Default::default(),
            initiator: "root".into(),
        })
        .unwrap();
}

#[test]
fn put_get_overwrite_delete_in_memory() {
    let store = Store::in_memory(&buckets());
    assert!(store.has_bucket("b-1"));
    assert!(!store.has_bucket("nope-1"));
    put(&store, "a", b"one");
    put(&store, "a", b"two!");
    assert_eq!(read(&store, "a").unwrap(), b"two!");
    assert_eq!(store.head_object("b-1", "a").unwrap().unwrap().size, 4);
    assert!(store.delete_object("b-1", "a").unwrap());
    assert!(!store.delete_object("b-1", "a").unwrap());
    assert!(read(&store, "a").is_none());
}

#[test]
fn data_dir_survives_reopen_and_collects_garbage() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), &buckets(), false).unwrap();
        put(&store, "keep", b"kept bytes");
        put(&store, "keep", b"newer bytes");
        put(&store, "gone", b"x");
        store.delete_object("b-1", "gone").unwrap();
        upload(&store, "123abc", "mp");
        part(&store, "123abc", "mp", 1, b"part one");
        store.save_document("doc", b"{\"a\":1}").unwrap();
        // A crash after a blob was written but before its record: an orphan file.
        std::fs::write(dir.path().join("blobs").join("deadbeef"), b"orphan").unwrap();
        std::fs::write(dir.path().join("tmp").join("half"), b"torn").unwrap();
    }
    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    assert_eq!(read(&store, "keep").unwrap(), b"newer bytes");
    assert!(read(&store, "gone").is_none());
    let (_, parts) = store.list_parts("b-1", "mp", "123abc").unwrap().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(store.load_document("doc").unwrap().unwrap(), b"{\"a\":1}");
    assert!(!dir.path().join("blobs").join("deadbeef").exists());
    assert!(!dir.path().join("tmp").join("half").exists());
    // Exactly two blobs remain: the live object and the part.
    assert_eq!(
        std::fs::read_dir(dir.path().join("blobs")).unwrap().count(),
        2
    );
}

#[test]
fn listing_with_prefix_delimiter_marker_and_paging() {
    let store = Store::in_memory(&buckets());
    for k in ["a/1", "a/2", "b", "c/x/1", "c/y", "d"] {
        put(&store, k, b"");
    }
    let page = store.list_objects("b-1", "", Some("/"), "", 1000).unwrap();
    let keys: Vec<_> = page.contents.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["b", "d"]);
    assert_eq!(page.common_prefixes, ["a/", "c/"]);
    assert!(!page.truncated);

    let page = store.list_objects("b-1", "", Some("/"), "", 2).unwrap();
    assert!(page.truncated);
    assert_eq!(page.next_marker.as_deref(), Some("b"));
    let page = store.list_objects("b-1", "", Some("/"), "b", 2).unwrap();
    assert_eq!(page.common_prefixes, ["c/"]);
    assert_eq!(page.contents[0].key, "d");
    // Continuing after a common prefix does not repeat it.
    let page = store.list_objects("b-1", "", Some("/"), "a/", 10).unwrap();
    assert_eq!(page.contents[0].key, "b");

    let page = store.list_objects("b-1", "c/", Some("/"), "", 10).unwrap();
    assert_eq!(page.common_prefixes, ["c/x/"]);
    assert_eq!(page.contents[0].key, "c/y");
}

#[test]
fn complete_checks_order_parts_and_sizes() {
    let store = Store::in_memory(&buckets());
    upload(&store, "u1", "k");
    let big = vec![7u8; MIN_PART_SIZE as usize];
    let p1 = part(&store, "u1", "k", 1, &big);
    let p2 = part(&store, "u1", "k", 2, b"tail");
    let p3 = part(&store, "u1", "k", 3, b"small");
    assert_eq!(
        store.complete_upload("b-1", "k", "u1", &[], 5),
        Err(CompleteError::NoParts)
    );
    assert_eq!(
        store.complete_upload("b-1", "k", "u1", &[(2, p2.etag()), (1, p1.etag())], 5),
        Err(CompleteError::InvalidPartOrder)
    );
    assert_eq!(
        store.complete_upload("b-1", "k", "u1", &[(1, "\"00\"".into())], 5),
        Err(CompleteError::InvalidPart(1))
    );
    assert_eq!(
        store.complete_upload("b-1", "k", "u1", &[(1, p1.etag()), (9, p1.etag())], 5),
        Err(CompleteError::InvalidPart(9))
    );
    assert_eq!(
        store.complete_upload(
            "b-1",
            "k",
            "u1",
            &[(1, p1.etag()), (2, p2.etag()), (3, p3.etag())],
            5
        ),
        Err(CompleteError::EntityTooSmall(2))
    );
    assert_eq!(
        store.complete_upload("b-1", "x", "u1", &[(1, p1.etag())], 5),
        Err(CompleteError::NoSuchUpload)
    );
    let meta = store
        .complete_upload("b-1", "k", "u1", &[(1, p1.etag()), (3, p3.etag())], 5)
        .unwrap();
    assert!(meta.etag.ends_with("-2\""));
    let mut expected = big.clone();
    expected.extend_from_slice(b"small");
    assert_eq!(read(&store, "k").unwrap(), expected);
    let mut c = crate::crc64::Crc64::new();
    c.update(&expected);
    assert_eq!(meta.crc64, c.finish());
    assert!(store.list_parts("b-1", "k", "u1").unwrap().is_none());
}

#[test]
fn abort_and_unknown_uploads() {
    let store = Store::in_memory(&buckets());
    upload(&store, "u2", "k");
    assert!(!store.abort_upload("b-1", "other", "u2").unwrap());
    assert!(store.abort_upload("b-1", "k", "u2").unwrap());
    assert!(!store.abort_upload("b-1", "k", "u2").unwrap());
    let mut w = store.writer(1).unwrap();
    w.write(b"x").unwrap();
    let (blob, _) = w.finish().unwrap();
    let p = PartMeta {
        number: 1,
        size: 1,
        md5: [0; 16],
        crc64: 0,
        last_modified_ms: 0,
    };
    assert!(!store.put_part("b-1", "k", "u2", p, blob).unwrap());
}

#[test]
fn concurrent_writers_never_tear_objects() {
    let store = std::sync::Arc::new(Store::in_memory(&buckets()));
    let handles: Vec<_> = (0..8u8)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    put(&store, "hot", &vec![i; 4096]);
                    let data = read(&store, "hot").unwrap();
                    assert_eq!(data.len(), 4096);
                    assert!(data.iter().all(|&b| b == data[0]));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

proptest! {
    #[test]
    fn paging_visits_every_key_once(keys in proptest::collection::btree_set("[ab/]{1,6}", 0..40), page in 1usize..7) {
        let store = Store::in_memory(&buckets());
        for k in &keys { put(&store, k, b""); }
        let mut seen = Vec::new();
        let mut marker = String::new();
        loop {
            let p = store.list_objects("b-1", "", Some("/"), &marker, page).unwrap();
            prop_assert!(p.contents.len() + p.common_prefixes.len() <= page);
            seen.extend(p.contents.iter().map(|m| m.key.clone()));
            seen.extend(p.common_prefixes.iter().cloned());
            if !p.truncated { break; }
            marker = p.next_marker.clone().unwrap();
        }
        let mut expected: Vec<String> = keys.iter().map(|k| match k.find('/') {
            Some(i) => k[..=i].to_string(),
            None => k.clone(),
        }).collect();
        expected.sort();
        expected.dedup();
        seen.sort();
        prop_assert_eq!(seen, expected);
    }
}

#[test]
fn complete_keeps_the_listed_part_files_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let expected = {
        let store = Store::open(dir.path(), &buckets(), false).unwrap();
        let expected = complete_1_and_3(&store, "u7", "mp");
        // No concatenated copy: the two listed parts are the object, the third is gone.
        assert_eq!(blob_files(dir.path()), 2);
        assert_eq!(read(&store, "mp").unwrap(), expected);
        expected
    };
    let record = std::fs::read_dir(dir.path().join("objects").join("b-1"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    let sizes: Vec<_> = record["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [MIN_PART_SIZE, 8]);
    assert!(record.get("blob").is_none());

    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    assert_eq!(read(&store, "mp").unwrap(), expected);
    assert_eq!(blob_files(dir.path()), 2, "restart collects nothing live");
    assert!(store.list_parts("b-1", "mp", "u7").unwrap().is_none());
    put(&store, "mp", b"overwritten");
    assert_eq!(
        blob_files(dir.path()),
        1,
        "an overwrite releases every part"
    );
    assert_eq!(complete_1_and_3(&store, "u8", "mp2").len(), expected.len());
    assert!(store.delete_object("b-1", "mp2").unwrap());
    assert!(store.delete_object("b-1", "mp").unwrap());
    assert_eq!(blob_files(dir.path()), 0, "a delete releases every part");
}

#[test]
fn a_reader_keeps_the_parts_of_a_deleted_composite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    let expected = complete_1_and_3(&store, "u1", "mp");
    let (_, source) = store.get_object("b-1", "mp").unwrap().unwrap();
    assert!(store.delete_object("b-1", "mp").unwrap());
    assert_eq!(blob_files(dir.path()), 2);
    let BlobSource::Composite(c) = source else {
        panic!("a completed upload is a composite");
    };
    assert_eq!(read_composite(c), expected);
    assert_eq!(blob_files(dir.path()), 0);
}

#[test]
fn copies_of_a_composite_own_their_bytes() {
    for data_dir in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = if data_dir {
            Store::open(dir.path(), &buckets(), false).unwrap()
        } else {
            Store::in_memory(&buckets())
        };
        let expected = complete_1_and_3(&store, "u1", "mp");
        let (meta, source) = store.get_object("b-1", "mp").unwrap().unwrap();
        let (blob, digests) = store.duplicate(source, &meta).unwrap();
        assert_eq!(digests.crc64, meta.crc64);
        assert_eq!(digests.len, meta.size);
        assert_eq!(
            digests.md5,
            <[u8; 16]>::from(Md5::digest(&expected)),
            "a copy's ETag is a plain MD5"
        );
        let mut copy = meta.as_ref().clone();
        copy.key = "copy".into();
        store.put_object("b-1", copy, blob).unwrap();
        assert!(store.delete_object("b-1", "mp").unwrap());
        assert_eq!(read(&store, "copy").unwrap(), expected);
        if data_dir {
            assert_eq!(blob_files(dir.path()), 1);
            drop(store);
            let store = Store::open(dir.path(), &buckets(), false).unwrap();
            assert_eq!(read(&store, "copy").unwrap(), expected);
        }
    }
}

#[test]
fn a_crash_between_complete_and_upload_removal_drops_the_upload() {
    let dir = tempfile::tempdir().unwrap();
    let saved = tempfile::tempdir().unwrap();
    let expected = {
        let store = Store::open(dir.path(), &buckets(), false).unwrap();
        upload(&store, "u9", "mp");
        let p1 = part(&store, "u9", "mp", 1, b"only part");
        part(&store, "u9", "mp", 2, b"unlisted");
        // Keep the upload's records and the unlisted part's file as a crash would.
        let records = dir.path().join("uploads").join("u9");
        for f in std::fs::read_dir(&records).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), saved.path().join(f.file_name())).unwrap();
        }
        for f in std::fs::read_dir(dir.path().join("blobs")).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), saved.path().join(f.file_name())).unwrap();
        }
        store
            .complete_upload("b-1", "mp", "u9", &[(1, p1.etag())], 5)
            .unwrap();
        std::fs::create_dir_all(&records).unwrap();
        for f in std::fs::read_dir(saved.path()).unwrap() {
            let f = f.unwrap();
            let name = f.file_name();
            let to = if name.to_string_lossy().ends_with(".json") {
                records.join(name)
            } else {
                dir.path().join("blobs").join(name)
            };
            std::fs::copy(f.path(), to).unwrap();
        }
        assert_eq!(blob_files(dir.path()), 2);
        b"only part".to_vec()
    };
    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    assert_eq!(read(&store, "mp").unwrap(), expected);
    assert!(store.list_parts("b-1", "mp", "u9").unwrap().is_none());
    assert!(!dir.path().join("uploads").join("u9").exists());
    assert_eq!(blob_files(dir.path()), 1, "the unlisted part is collected");
    // Aborting the (gone) upload cannot release the object's part.
    assert!(!store.abort_upload("b-1", "mp", "u9").unwrap());
    assert_eq!(read(&store, "mp").unwrap(), expected);
}

#[test]
fn records_of_the_single_blob_format_still_load() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), &buckets(), false).unwrap());
    std::fs::write(dir.path().join("blobs").join("0123abcd"), b"old bytes").unwrap();
    let objects = dir.path().join("objects").join("b-1");
    std::fs::create_dir_all(&objects).unwrap();
    let record = serde_json::json!({ "meta": meta("old", 9), "blob": "0123abcd" });
    std::fs::write(objects.join("x.json"), record.to_string()).unwrap();
    // A composite whose part sizes disagree with the object's is refused.
    std::fs::write(dir.path().join("blobs").join("4567"), b"abc").unwrap();
    let bad =
        serde_json::json!({ "meta": meta("bad", 9), "parts": [{ "blob": "4567", "size": 3 }] });
    std::fs::write(objects.join("y.json"), bad.to_string()).unwrap();
    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    assert_eq!(read(&store, "old").unwrap(), b"old bytes");
    assert!(read(&store, "bad").is_none());
    assert_eq!(blob_files(dir.path()), 1);
}

#[test]
fn a_failed_complete_leaves_the_upload_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    upload(&store, "u3", "mp");
    let p1 = part(&store, "u3", "mp", 1, b"bytes");
    // The object record cannot be written: its bucket directory is a file.
    std::fs::create_dir_all(dir.path().join("objects")).unwrap();
    std::fs::write(dir.path().join("objects").join("b-1"), b"").unwrap();
    assert!(matches!(
        store.complete_upload("b-1", "mp", "u3", &[(1, p1.etag())], 5),
        Err(CompleteError::Io(_))
    ));
    assert_eq!(blob_files(dir.path()), 1);
    std::fs::remove_file(dir.path().join("objects").join("b-1")).unwrap();
    store
        .complete_upload("b-1", "mp", "u3", &[(1, p1.etag())], 5)
        .unwrap();
    assert_eq!(read(&store, "mp").unwrap(), b"bytes");
}

#[test]
fn attributes_survive_reopen_and_records_without_them_still_load() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), &buckets(), false).unwrap();
        put(&store, "k", b"data");
        let changed = store
            .update_attrs("b-1", "k", |a| {
                a.tags = vec![("t".into(), "v".into())];
                a.acl = Some(crate::storage::Acl {
                    grants: vec![crate::storage::AclGrant {
                        grantee: crate::storage::Grantee::AllUsers,
                        permission: crate::storage::Permission::Read,
                    }],
                    listed: false,
                });
                a.sse = Some(Sse::Customer {
                    key_md5: "md5".into(),
                });
                Ok::<(), ()>(())
            })
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(changed.size, 4, "an attribute change keeps the bytes");
        assert!(
            store
                .update_attrs("b-1", "nope", |_| Ok::<(), ()>(()))
                .unwrap()
                .is_none()
        );
    }
    let store = Store::open(dir.path(), &buckets(), false).unwrap();
    let meta = store.head_object("b-1", "k").unwrap().unwrap();
    assert_eq!(meta.attrs.tags, [("t".to_string(), "v".to_string())]);
    assert_eq!(meta.attrs.acl.as_ref().map(|a| a.grants.len()), Some(1));
    assert_eq!(read(&store, "k").unwrap(), b"data");

    // A record written before objects had attributes.
    let mut old = serde_json::to_value(meta.as_ref()).unwrap();
    old.as_object_mut().unwrap().remove("attrs");
    let loaded: ObjectMeta = serde_json::from_value(old).unwrap();
    assert_eq!(loaded.attrs, ObjectAttrs::default());
}

#[test]
fn put_object_if_commits_only_when_the_expectation_holds() {
    let store = Store::in_memory(&buckets());
    let first = put(&store, "k", b"one");
    let blob = |data: &[u8]| {
        let mut w = store.writer(0).unwrap();
        w.write(data).unwrap();
        w.finish().unwrap().0
    };
    let refused = store
        .put_object_if("b-1", meta("k", 3), blob(b"two"), |now| now.is_none())
        .unwrap();
    assert!(!refused);
    assert_eq!(read(&store, "k").unwrap(), b"one");
    let accepted = store
        .put_object_if("b-1", meta("k", 3), blob(b"two"), |now| {
            now.is_some_and(|m| m.etag == first.etag)
        })
        .unwrap();
    assert!(accepted);
    assert_eq!(read(&store, "k").unwrap(), b"two");
}
