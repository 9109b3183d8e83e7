"""Interop check with the official Python SDKs (qcloud-python-sts, cos-python-sdk-v5).

Run against `cos-sts emulator` (argument or $COS_EMULATOR_READY: its JSON ready line), e.g.
    line=$(cos-sts emulator --data-dir DIR --bucket examplebucket-1250000000 | head -1) &
    python python_sdk.py "$line"
Prints INTEROP OK on success; meant to be driven by `cargo xtask ci` from a venv with
`pip install cos-python-sdk-v5 qcloud-python-sts`.
"""
import json, os, sys
from sts.sts import Sts
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

info = json.loads(sys.argv[1] if len(sys.argv) > 1 else os.environ["COS_EMULATOR_READY"])
bucket = info["buckets"][0]
region = info["region"]
sts = Sts({
    "url": info["sts_endpoint"] + "/",
    "secret_id": info["secret_id"], "secret_key": info["secret_key"],
    "duration_seconds": 1800, "bucket": bucket, "region": region,
    "allow_prefix": ["uploads/*"],
    "allow_actions": ["name/cos:PutObject", "name/cos:GetObject", "name/cos:InitiateMultipartUpload",
                      "name/cos:ListMultipartUploads", "name/cos:ListParts", "name/cos:UploadPart",
                      "name/cos:CompleteMultipartUpload", "name/cos:GetBucket", "name/cos:HeadObject"],
})
resp = sts.get_credential()
creds = resp["credentials"]
print("sts ok", resp["expiredTime"])
host = info["cos_endpoint"].replace("http://", "")
config = CosConfig(Region=region, SecretId=creds["tmpSecretId"], SecretKey=creds["tmpSecretKey"],
                   Token=creds["sessionToken"], Scheme="http", Domain=host)
client = CosS3Client(config, retry=0)
r = client.put_object(Bucket=bucket, Key="uploads/hello.txt", Body=b"hello world")
# Header names as COS spells them: the SDK returns them in a plain dict.
print("put ok", r["ETag"])
import tempfile
path = os.path.join(tempfile.mkdtemp(), "big.bin")
with open(path, "wb") as f:
    f.write(os.urandom(3 * 1024 * 1024 + 17))
r = client.upload_file(Bucket=bucket, Key="uploads/big.bin", LocalFilePath=path, PartSize=1, MAXThread=3)
print("upload_file ok", r["ETag"])
g = client.get_object(Bucket=bucket, Key="uploads/big.bin")
data = g["Body"].get_raw_stream().read()
assert data == open(path, "rb").read(), "download differs"
print("get ok", len(data))
g = client.get_object(Bucket=bucket, Key="uploads/hello.txt")
assert g["Body"].get_raw_stream().read() == b"hello world"
lst = client.list_objects(Bucket=bucket, Prefix="uploads/")
keys = [c["Key"] for c in lst.get("Contents", [])]
assert keys == ["uploads/big.bin", "uploads/hello.txt"], keys
print("list ok", keys)
# download_file reads object_info['Content-Length'] from a plain dict (needs COS's spelling);
# the big file goes through the ranged, multi-threaded downloader with CRC-64 checking.
small = os.path.join(os.path.dirname(path), "hello.txt")
client.download_file(Bucket=bucket, Key="uploads/hello.txt", DestFilePath=small)
assert open(small, "rb").read() == b"hello world"
big = os.path.join(os.path.dirname(path), "big.copy")
client.download_file(Bucket=bucket, Key="uploads/big.bin", DestFilePath=big, PartSize=1, MAXThread=3,
                     EnableCRC=True)
assert open(big, "rb").read() == open(path, "rb").read(), "download_file differs"
print("download_file ok")
c = client.copy_object(Bucket=bucket, Key="uploads/copy.txt",
                       CopySource={"Bucket": bucket, "Key": "uploads/hello.txt", "Region": region})
assert c["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"', c
g = client.get_object(Bucket=bucket, Key="uploads/copy.txt")
assert g["Body"].get_raw_stream().read() == b"hello world"
print("copy ok", c["ETag"])
# The SDK's copy() goes through Upload Part - Copy above its threshold (5 GB by default).
# It HEADs the source at <bucket>.cos.<region>.myqcloud.com whatever Domain says, so the
# emulator is also given as the HTTP proxy (it routes absolute-form requests by host).
config.set_copy_part_threshold_size(1024 * 1024)
os.environ["HTTP_PROXY"] = info["cos_endpoint"]
try:
    client.copy(Bucket=bucket, Key="uploads/big.copy",
                CopySource={"Bucket": bucket, "Key": "uploads/big.bin", "Region": region},
                PartSize=1, MAXThread=2)
finally:
    del os.environ["HTTP_PROXY"]
h = client.head_object(Bucket=bucket, Key="uploads/big.copy")
assert h["ETag"].rstrip('"').rsplit('-', 1)[-1].isdigit(), h["ETag"]  # a multipart ETag
g = client.get_object(Bucket=bucket, Key="uploads/big.copy")
assert g["Body"].get_raw_stream().read() == open(path, "rb").read(), "multipart copy differs"
print("multipart copy ok", h["ETag"])
try:
    client.put_object(Bucket=bucket, Key="private/x.txt", Body=b"no")
    raise SystemExit("denied put succeeded")
except CosServiceError as e:
    assert e.get_status_code() == 403 and e.get_error_code() == "AccessDenied", (e.get_status_code(), e.get_error_code())
    print("denied ok", e.get_error_code(), e.get_request_id())
# Object ACL, tagging, APPEND and SSE with the root key (the temporary key above is limited
# to uploads/*).
import base64, hashlib, urllib.request, urllib.error
root = CosS3Client(CosConfig(Region=region, SecretId=info["secret_id"], SecretKey=info["secret_key"],
                             Scheme="http", Domain=host), retry=0)
root.put_object(Bucket=bucket, Key="attrs/public.txt", Body=b"for everyone", ACL="public-read",
                Tagging="team=storage&env=test", StorageClass="STANDARD_IA")
acl = root.get_object_acl(Bucket=bucket, Key="attrs/public.txt")
grants = acl["AccessControlList"]["Grant"]
grants = grants if isinstance(grants, list) else [grants]
assert [g["Permission"] for g in grants] == ["FULL_CONTROL", "READ"], grants
anonymous_url = info["cos_endpoint"] + "/attrs/public.txt"
assert urllib.request.urlopen(anonymous_url).read() == b"for everyone"
root.put_object_acl(Bucket=bucket, Key="attrs/public.txt", ACL="private")
try:
    urllib.request.urlopen(anonymous_url)
    raise SystemExit("an unsigned GET of a private object succeeded")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
print("acl ok")
tags = root.get_object_tagging(Bucket=bucket, Key="attrs/public.txt")["TagSet"]["Tag"]
assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "test"), ("team", "storage")], tags
root.put_object_tagging(Bucket=bucket, Key="attrs/public.txt",
                        Tagging={"TagSet": {"Tag": [{"Key": "only", "Value": "one"}]}})
h = root.head_object(Bucket=bucket, Key="attrs/public.txt")
assert h["x-cos-tagging-count"] == "1" and h["x-cos-storage-class"] == "STANDARD_IA", h
root.delete_object_tagging(Bucket=bucket, Key="attrs/public.txt")
assert "x-cos-tagging-count" not in root.head_object(Bucket=bucket, Key="attrs/public.txt")
print("tagging ok")
a = root.append_object(Bucket=bucket, Key="attrs/log.txt", Position=0, Data=b"hello ")
a = root.append_object(Bucket=bucket, Key="attrs/log.txt", Position=int(a["x-cos-next-append-position"]),
                       Data=b"world")
assert a["x-cos-next-append-position"] == "11" and a["x-cos-hash-crc64ecma"] == "5981764153023615706", a
try:
    root.append_object(Bucket=bucket, Key="attrs/log.txt", Position=3, Data=b"x")
    raise SystemExit("an append at a wrong position succeeded")
except CosServiceError as e:
    assert e.get_status_code() == 409, e.get_status_code()
print("append ok")
r = root.put_object(Bucket=bucket, Key="attrs/sse.txt", Body=b"s", ServerSideEncryption="AES256")
assert r["x-cos-server-side-encryption"] == "AES256", r
assert root.head_object(Bucket=bucket, Key="attrs/sse.txt")["x-cos-server-side-encryption"] == "AES256"
key = os.urandom(32)
ssec = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(key).decode(),
        "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key).digest()).decode()}
root.put_object(Bucket=bucket, Key="attrs/ssec.txt", Body=b"c", **ssec)
g = root.get_object(Bucket=bucket, Key="attrs/ssec.txt", **ssec)
assert g["Body"].get_raw_stream().read() == b"c"
try:
    root.get_object(Bucket=bucket, Key="attrs/ssec.txt")
    raise SystemExit("an SSE-C object was read without its key")
except CosServiceError as e:
    assert e.get_status_code() == 400, e.get_status_code()
print("sse ok")
# upload_part_copy sends an empty x-cos-copy-source-range unless a range is given: the whole source.
mp = root.create_multipart_upload(Bucket=bucket, Key="attrs/part-copy.txt")
part = root.upload_part_copy(Bucket=bucket, Key="attrs/part-copy.txt", PartNumber=1, UploadId=mp["UploadId"],
                             CopySource={"Bucket": bucket, "Key": "attrs/log.txt", "Region": region})
root.complete_multipart_upload(Bucket=bucket, Key="attrs/part-copy.txt", UploadId=mp["UploadId"],
                               MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]})
g = root.get_object(Bucket=bucket, Key="attrs/part-copy.txt")
assert g["Body"].get_raw_stream().read() == b"hello world"
print("empty copy-source-range ok")

# Buckets with the root key: create, GET Service, CORS, delete. The SDK addresses
# <bucket>.cos.<region>.myqcloud.com and service.cos.myqcloud.com whatever Domain says, so
# the emulator is given as the HTTP proxy (it routes absolute-form requests by host).
def bucket_names(client):
    listed = client.list_buckets()["Buckets"] or {}
    found = listed.get("Bucket", [])
    return [b["Name"] for b in (found if isinstance(found, list) else [found])]


os.environ["HTTP_PROXY"] = info["cos_endpoint"]
try:
    root = CosS3Client(CosConfig(Region=region, SecretId=info["secret_id"],
                                 SecretKey=info["secret_key"], Scheme="http"), retry=0)
    fresh = "interop-py-" + bucket.rsplit("-", 1)[1]
    root.create_bucket(Bucket=fresh)
    try:
        root.create_bucket(Bucket=fresh)
        raise SystemExit("a second create_bucket succeeded")
    except CosServiceError as e:
        assert (e.get_status_code(), e.get_error_code()) == (409, "BucketAlreadyOwnedByYou"), e.get_error_code()
    names = bucket_names(root)
    assert fresh in names and bucket in names, names
    print("create_bucket + list_buckets ok", names)
    root.put_bucket_cors(Bucket=fresh, CORSConfiguration={"CORSRule": [{
        "ID": "app", "AllowedOrigin": ["http://app.example"], "AllowedMethod": ["PUT", "GET"],
        "AllowedHeader": ["*"], "ExposeHeader": ["ETag"], "MaxAgeSeconds": 60}]})
    cors = root.get_bucket_cors(Bucket=fresh)
    assert "http://app.example" in str(cors["CORSRule"]), cors
    root.delete_bucket_cors(Bucket=fresh)
    try:
        root.get_bucket_cors(Bucket=fresh)
        raise SystemExit("CORS rules survived delete_bucket_cors")
    except CosServiceError as e:
        assert e.get_error_code() == "NoSuchCORSConfiguration", e.get_error_code()
    print("bucket cors ok")
    root.put_object(Bucket=fresh, Key="x.txt", Body=b"x")
    try:
        root.delete_bucket(Bucket=fresh)
        raise SystemExit("deleted a bucket that holds an object")
    except CosServiceError as e:
        assert (e.get_status_code(), e.get_error_code()) == (409, "BucketNotEmpty"), e.get_error_code()
    root.delete_object(Bucket=fresh, Key="x.txt")
    root.delete_bucket(Bucket=fresh)
    assert fresh not in bucket_names(root)
    print("delete_bucket ok")
finally:
    del os.environ["HTTP_PROXY"]
print("INTEROP OK")
