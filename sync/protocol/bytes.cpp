#include "bytes.h"

namespace civic {

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return make_error(ErrorCode::kInvalidArgument, "hex text has an odd number of digits");
  }
  Bytes out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "hex text has a character that is not a hex digit at offset " +
                            std::to_string(hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

bool is_valid_utf8(ByteView s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint8_t c = s[i];
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // sequence runs past the end
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return false;         // overlong
    if (cp > 0x10FFFF) return false;                     // beyond Unicode
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;      // UTF-16 surrogate
    i += extra + 1;
  }
  return true;
}

void ByteWriter::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void ByteWriter::u32(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void ByteWriter::u64(std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void ByteWriter::short_bytes(ByteView bytes) {
  u16(static_cast<std::uint16_t>(bytes.size()));
  raw(bytes);
}

void ByteWriter::long_bytes(ByteView bytes) {
  u32(static_cast<std::uint32_t>(bytes.size()));
  raw(bytes);
}

Result<ByteView> ByteReader::raw(std::size_t n, const char* field) {
  if (n > remaining()) {
    return make_error(ErrorCode::kTruncated, std::string("input ends inside the field '") + field +
                                                 "' at offset " + std::to_string(pos_) + " (" +
                                                 std::to_string(n) + " bytes needed, " +
                                                 std::to_string(remaining()) + " left)");
  }
  ByteView out = in_.subspan(pos_, n);
  pos_ += n;
  return out;
}

namespace {
template <class T>
Result<T> read_be(ByteReader& r, const char* field) {
  auto view = r.raw(sizeof(T), field);
  if (!view.ok()) return view.error();
  T v = 0;
  for (auto b : *view) v = static_cast<T>((v << 8) | b);
  return v;
}
}  // namespace

Result<std::uint8_t> ByteReader::u8(const char* field) { return read_be<std::uint8_t>(*this, field); }
Result<std::uint16_t> ByteReader::u16(const char* field) { return read_be<std::uint16_t>(*this, field); }
Result<std::uint32_t> ByteReader::u32(const char* field) { return read_be<std::uint32_t>(*this, field); }
Result<std::uint64_t> ByteReader::u64(const char* field) { return read_be<std::uint64_t>(*this, field); }

// The bytes after a length prefix, refused when the length is over `max_len`.
Result<ByteView> ByteReader::prefixed(std::uint64_t len, std::size_t max_len, const char* field) {
  if (len > max_len) {
    return make_error(ErrorCode::kLengthOverflow, std::string("the field '") + field + "' claims " +
                                                      std::to_string(len) + " bytes; at most " +
                                                      std::to_string(max_len) + " are allowed");
  }
  return raw(static_cast<std::size_t>(len), field);
}

Result<ByteView> ByteReader::short_bytes(std::size_t max_len, const char* field) {
  CIVIC_ASSIGN(len, u16(field));
  return prefixed(len, max_len, field);
}

Result<ByteView> ByteReader::long_bytes(std::size_t max_len, const char* field) {
  CIVIC_ASSIGN(len, u32(field));
  return prefixed(len, max_len, field);
}

Status ByteReader::expect_end(const char* what) const {
  if (remaining() != 0) {
    return make_error(ErrorCode::kTrailingBytes, std::string(what) + " has " +
                                                     std::to_string(remaining()) +
                                                     " unexpected bytes after its end at offset " +
                                                     std::to_string(pos_));
  }
  return {};
}

Status expect_magic(ByteReader& r, std::string_view magic, const char* what) {
  CIVIC_ASSIGN(got, r.raw(magic.size(), "magic"));
  if (as_chars(got) != magic) {
    return make_error(ErrorCode::kBadMagic, std::string("this is not ") + what + " (it does not start with '" +
                                                std::string(magic) + "')");
  }
  return {};
}

Status expect_version(ByteReader& r, std::uint8_t expected, const char* what) {
  CIVIC_ASSIGN(version, r.u8("version"));
  if (version != expected) {
    return make_error(ErrorCode::kUnknownVersion,
                      std::string(what) + " format version " + std::to_string(version) +
                          " is not known to this software (it reads version " +
                          std::to_string(expected) + "); update the software");
  }
  return {};
}

}  // namespace civic
