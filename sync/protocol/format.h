// Every wire and file format's constants in one place, as sync/PROTOCOL.md gives them: magic
// bytes, versions, the domain tags of hashes and signatures, field sizes and the layouts built
// from them. Encoders, decoders and tests use these names; none writes a number of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace civic {

// Field sizes (PROTOCOL.md "Encoding"). The libsodium ones are checked against libsodium's own
// constants in crypto.cpp.
inline constexpr std::size_t kMagicSize = 4;
inline constexpr std::size_t kVersionSize = 1;
inline constexpr std::size_t kU16Size = 2;
inline constexpr std::size_t kU32Size = 4;
inline constexpr std::size_t kU64Size = 8;
inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kSeedSize = 32;
inline constexpr std::size_t kSignatureSize = 64;
inline constexpr std::size_t kHashSize = 32;
inline constexpr std::size_t kDigestSize = 64;
inline constexpr std::size_t kKioskIdSize = 16;
inline constexpr std::size_t kSealOverhead = 48;  // crypto_box_SEALBYTES

// Magic bytes: the first four bytes of each format.
namespace magic {
inline constexpr std::string_view kBatch = "CKBT";
inline constexpr std::string_view kAck = "CKAK";
inline constexpr std::string_view kContent = "CKCB";
inline constexpr std::string_view kEventReport = "CKEV";
inline constexpr std::string_view kHealthReport = "CKHR";
inline constexpr std::string_view kKeyStatement = "CKKS";
inline constexpr std::string_view kKeyFile = "CKKY";
inline constexpr std::string_view kCheckpoint = "CKCP";
inline constexpr std::string_view kOnlineImport = "CKOI";
}  // namespace magic

// Versions: the byte after the magic (the submission's is its first byte).
// Submissions: version 1 holds ideas, support and agree/disagree/pass votes, answers; version 2
// adds budget selections and pairwise comparisons. A record is written in the lowest version that
// holds it, so kiosks' older records and vectors stay as they were.
inline constexpr std::uint8_t kSubmissionVersion = 1;
inline constexpr std::uint8_t kSubmissionVersion2 = 2;
inline constexpr std::uint8_t kBatchVersion = 1;
inline constexpr std::uint8_t kAckVersion = 1;
inline constexpr std::uint8_t kContentVersion = 1;
inline constexpr std::uint8_t kEventReportVersion = 1;
inline constexpr std::uint8_t kHealthReportVersion = 1;
inline constexpr std::uint8_t kKeyStatementVersion = 2;
inline constexpr std::uint8_t kKeyFileVersion = 1;
inline constexpr std::uint8_t kCheckpointVersion = 1;
inline constexpr std::uint8_t kOnlineImportVersion = 1;

// Domain tags (PROTOCOL.md "Hashing"): every hash and signature names what it is of.
namespace tag {
inline constexpr std::string_view kRecord = "civic-kiosk/record/v1";
inline constexpr std::string_view kChain = "civic-kiosk/chain/v1";
inline constexpr std::string_view kBatch = "civic-kiosk/batch/v1";
inline constexpr std::string_view kBatchId = "civic-kiosk/batch-id/v1";
inline constexpr std::string_view kAck = "civic-kiosk/ack/v1";
inline constexpr std::string_view kContent = "civic-kiosk/content/v1";
inline constexpr std::string_view kContentId = "civic-kiosk/content-id/v1";
inline constexpr std::string_view kEventReport = "civic-kiosk/event-report/v1";
inline constexpr std::string_view kHealthReport = "civic-kiosk/health-report/v1";
inline constexpr std::string_view kKeyStatement = "civic-kiosk/key-statement/v2";
inline constexpr std::string_view kKeyFile = "civic-kiosk/keyfile/v1";
inline constexpr std::string_view kCheckpoint = "civic-kiosk/checkpoint/v1";
inline constexpr std::string_view kKioskId = "civic-kiosk/kiosk-id/v1";
inline constexpr std::string_view kFingerprint = "civic-kiosk/fingerprint/v1";
inline constexpr std::string_view kEnrolmentToken = "civic-kiosk/enrolment-token/v1";
inline constexpr std::string_view kReceipt = "civic-kiosk/receipt/v1";
inline constexpr std::string_view kUsbFile = "civic-kiosk/usb-file/v1";
inline constexpr std::string_view kOnlineImport = "civic-kiosk/online-import/v1";
inline constexpr std::string_view kOnlineImportLeaf = "civic-kiosk/online-import-leaf/v1";
}  // namespace tag

// Submission (PROTOCOL.md "Submission"): its limits, and the padded sizes a sealed record takes.
inline constexpr std::size_t kMaxIdBytes = 64;  // consultation, idea, question, answer, event ids
inline constexpr std::size_t kMaxLanguageBytes = 16;
inline constexpr std::size_t kMaxCardNumberBytes = 32;
inline constexpr std::size_t kMaxIdeaBytes = 4000;  // ~1,000 characters even with accents
inline constexpr std::size_t kMaxVotes = 256;
inline constexpr std::size_t kMaxAnswers = 32;
inline constexpr std::size_t kMaxComparisons = 100;  // pairwise choices in one session
inline constexpr std::uint64_t kTimeGranularitySeconds = 3600;
// Padded plaintext sizes: a sealed record is one of these plus kSealOverhead bytes long.
inline constexpr std::size_t kPadBuckets[] = {512, 1024, 2048, 4096, 8192, 16384, 32768};
inline constexpr std::size_t kMinSealedSize = 512 + kSealOverhead;
inline constexpr std::size_t kMaxSealedSize = 32768 + kSealOverhead;

// Batch (PROTOCOL.md "Batch"): magic, version, kiosk id, sequence, first position, record count
// (u32), created at, previous head, new head, then the records (each a u32 length and the sealed
// bytes), then the signature.
namespace batch_layout {
inline constexpr std::size_t kKioskIdOffset = kMagicSize + kVersionSize;
inline constexpr std::size_t kSequenceOffset = kKioskIdOffset + kKioskIdSize;
inline constexpr std::size_t kFirstPositionOffset = kSequenceOffset + kU64Size;
inline constexpr std::size_t kRecordCountOffset = kFirstPositionOffset + kU64Size;
}  // namespace batch_layout
inline constexpr std::size_t kBatchHeaderSize =
    batch_layout::kRecordCountOffset + kU32Size + kU64Size + kHashSize + kHashSize;
inline constexpr std::size_t kBatchRecordOverhead = kU32Size;  // the length before each record
inline constexpr std::size_t kMaxBatchRecords = 10000;
inline constexpr std::size_t kMaxBatchBytes = 16 * 1024 * 1024;

// Ack: magic, version, kiosk id, sequence, first position, record count (u32), new head, batch id,
// accepted at, signature.
inline constexpr std::size_t kAckSize = kMagicSize + kVersionSize + kKioskIdSize + kU64Size + kU64Size + kU32Size +
                                        kHashSize + kHashSize + kU64Size + kSignatureSize;

// Content bundle: magic, version, content version (u64), issued at, expires at, the payload (u32
// length), signature.
inline constexpr std::size_t kMaxContentPayload = 8 * 1024 * 1024;
inline constexpr std::size_t kContentFixedSize =
    kMagicSize + kVersionSize + kU64Size + kU64Size + kU64Size + kU32Size + kSignatureSize;
inline constexpr std::size_t kMaxContentBundleBytes = kContentFixedSize + kMaxContentPayload;

// Event report: magic, version, kiosk id, five u64 (times and counts), then u16-length strings:
// event id, name, place, date; signature.
inline constexpr std::size_t kMaxEventTextBytes = 200;
inline constexpr std::size_t kMaxEventDateBytes = 16;
inline constexpr std::size_t kMaxEventReportSize =
    kMagicSize + kVersionSize + kKioskIdSize + 5 * kU64Size + (kU16Size + kMaxIdBytes) +
    2 * (kU16Size + kMaxEventTextBytes) + (kU16Size + kMaxEventDateBytes) + kSignatureSize;

// Health report: magic, version, kiosk id, thirteen u64 (times, counts, sizes), two u16 (display),
// one byte (speech), then u16-length strings: software version, last sync error; signature.
inline constexpr std::size_t kMaxSoftwareVersionBytes = 64;
inline constexpr std::size_t kMaxSyncErrorBytes = 300;
inline constexpr std::size_t kHealthReportFixedSize =
    kMagicSize + kVersionSize + kKioskIdSize + 13 * kU64Size + 2 * kU16Size + 1;
inline constexpr std::size_t kMaxHealthReportSize = kHealthReportFixedSize + (kU16Size + kMaxSoftwareVersionBytes) +
                                                    (kU16Size + kMaxSyncErrorBytes) + kSignatureSize;

// Key statement: magic, version, three public keys (signing, submission, content), issued at,
// signature.
inline constexpr std::size_t kKeyStatementSize =
    kMagicSize + kVersionSize + 3 * kPublicKeySize + kU64Size + kSignatureSize;

// Key file: magic, version, key type, key material, checksum.
inline constexpr std::size_t kKeyMaterialSize = 32;
inline constexpr std::size_t kKeyChecksumSize = 16;
inline constexpr std::size_t kKeyFileSize = kMagicSize + kVersionSize + 1 + kKeyMaterialSize + kKeyChecksumSize;

// Checkpoint: magic, version, tree size, root, signed at, signature.
inline constexpr std::size_t kCheckpointSize =
    kMagicSize + kVersionSize + kU64Size + kHashSize + kU64Size + kSignatureSize;

// Online import statement: magic, version, imported at, rows, the file's SHA-256, then
// u16-length strings: format, source, consultation; signature.
inline constexpr std::size_t kMaxOnlineSourceBytes = 64;
inline constexpr std::size_t kMaxOnlineFormatBytes = 32;
inline constexpr std::size_t kMaxOnlineImportSize = kMagicSize + kVersionSize + 2 * kU64Size + kHashSize +
                                                    (kU16Size + kMaxOnlineFormatBytes) +
                                                    (kU16Size + kMaxOnlineSourceBytes) + (kU16Size + kMaxIdBytes) +
                                                    kSignatureSize;

}  // namespace civic
