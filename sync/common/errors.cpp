#include "sync/common/result.h"

namespace civic {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid-argument";
    case ErrorCode::kBadMagic: return "bad-magic";
    case ErrorCode::kUnknownVersion: return "unknown-version";
    case ErrorCode::kTruncated: return "truncated";
    case ErrorCode::kTrailingBytes: return "trailing-bytes";
    case ErrorCode::kLengthOverflow: return "length-overflow";
    case ErrorCode::kOversize: return "oversize";
    case ErrorCode::kNotCanonical: return "not-canonical";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kBadSignature: return "bad-signature";
    case ErrorCode::kDecryptFailed: return "decrypt-failed";
    case ErrorCode::kChainMismatch: return "chain-mismatch";
    case ErrorCode::kRollback: return "rollback";
    case ErrorCode::kEquivocation: return "equivocation";
    case ErrorCode::kExpired: return "expired";
    case ErrorCode::kWrongKeyType: return "wrong-key-type";
    case ErrorCode::kCorruptKeyFile: return "corrupt-key-file";
    case ErrorCode::kInsecurePermissions: return "insecure-permissions";
    case ErrorCode::kBadReceiptCode: return "bad-receipt-code";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kDiskFull: return "disk-full";
    case ErrorCode::kCorruptDatabase: return "corrupt-database";
    case ErrorCode::kForeignDatabase: return "foreign-database";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kRateLimited: return "rate-limited";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace civic
