#include "keystore.h"

#include "sync/files/files.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace civic {

namespace {

Error with_path(const std::filesystem::path& path, const Error& e) {
  return Error{e.code, "key file " + path.string() + ": " + e.message};
}

// Room for a key file and then some: a longer file is refused by its decoder ("trailing bytes").
constexpr std::size_t kMaxKeyFileRead = 4096;

}  // namespace

Status write_key_file(const std::filesystem::path& path, KeyType type,
                      const FixedBytes<kKeyMaterialSize>& material) {
  Bytes contents = encode_key_file(type, material);
  // Written beside the target, made durable, then linked into place: a crash leaves no key or the
  // whole key, and a file that appeared meanwhile is never replaced.
  const auto mode = static_cast<mode_t>(is_secret_key_type(type) ? 0600 : 0644);
  Status written = files::write_file(path, ByteView(contents), {.mode = mode, .replace = false});
  secure_wipe(contents.data(), contents.size());
  if (!written.ok() && written.code() == ErrorCode::kConflict) {
    return make_error(ErrorCode::kConflict, "key file " + path.string() +
                                                " already exists; move it away first if you really mean to "
                                                "replace this key");
  }
  if (!written.ok()) return with_path(path, written.error());
  return {};
}

Result<FixedBytes<kKeyMaterialSize>> read_key_file(const std::filesystem::path& path, KeyType expected) {
  files::FileInfo info;
  auto bytes = files::read_file(path, kMaxKeyFileRead, &info);
  if (!bytes.ok() && bytes.code() == ErrorCode::kNotFound) {
    return make_error(ErrorCode::kNotFound, "key file " + path.string() + " does not exist (" +
                                                key_type_description(expected) + " expected)");
  }
  if (!bytes.ok()) return with_path(path, bytes.error());
  const mode_t mode_bits = info.mode;
  // The wrong kind of key is named first: "chmod 600" is no help to someone who gave the public
  // key where the secret one belongs.
  auto decoded = decode_key_file(ByteView(*bytes), expected);
  secure_wipe(bytes->data(), bytes->size());
  if (!decoded.ok() && decoded.code() == ErrorCode::kWrongKeyType) return with_path(path, decoded.error());
  // Refusing a key it read: the key material is wiped before the answer goes back.
  auto refuse = [&decoded](Error e) -> Result<FixedBytes<kKeyMaterialSize>> {
    if (decoded.ok()) secure_wipe(decoded->data(), decoded->size());
    return e;
  };
  if (is_secret_key_type(expected) && (mode_bits & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(mode_bits & 07777));
    return refuse(make_error(ErrorCode::kInsecurePermissions,
                      "secret key file " + path.string() + " can be read by other users (mode " +
                          mode + "); run: chmod 600 " + path.string()));
  }
  // A public key here is something this machine trusts (the hub's keys on a kiosk): whoever can
  // change it, or the folder it is in, can make it trust another. Neither may be writable by others.
  if (!is_secret_key_type(expected) && (mode_bits & 0022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(mode_bits & 07777));
    return refuse(make_error(ErrorCode::kInsecurePermissions,
                      "key file " + path.string() + " can be changed by other users (mode " + mode +
                          "); this machine trusts it: run chmod 644 " + path.string()));
  }
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  struct stat dir {};
  if (::stat(folder.c_str(), &dir) == 0 && (dir.st_mode & 0022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(dir.st_mode & 07777));
    return refuse(make_error(ErrorCode::kInsecurePermissions,
                      "the folder " + folder.string() + " that holds key file " + path.filename().string() +
                          " can be written by other users (mode " + mode + "): anyone could replace the key; run: "
                          "chmod 700 " + folder.string()));
  }
  if (!decoded.ok()) return with_path(path, decoded.error());
  return decoded;
}

Result<SigningKeyPair> load_signing_key(const std::filesystem::path& path, KeyType type) {
  CIVIC_ASSIGN(seed, read_key_file(path, type));
  auto kp = signing_key_pair_from_seed(seed);
  secure_wipe(seed.data(), seed.size());
  return kp;
}

Result<SigningPublicKey> load_signing_public_key(const std::filesystem::path& path, KeyType type) {
  CIVIC_ASSIGN(bytes, read_key_file(path, type));
  return SigningPublicKey{bytes};
}

Result<SealKeyPair> load_submission_secret_key(const std::filesystem::path& path) {
  CIVIC_ASSIGN(secret, read_key_file(path, KeyType::kHubSubmissionSecret));
  auto kp = seal_key_pair_from_secret(secret);
  secure_wipe(secret.data(), secret.size());
  return kp;
}

Result<SealPublicKey> load_submission_public_key(const std::filesystem::path& path) {
  CIVIC_ASSIGN(bytes, read_key_file(path, KeyType::kHubSubmissionPublic));
  return SealPublicKey{bytes};
}

Status save_signing_key(const std::filesystem::path& secret_path, const std::filesystem::path& public_path,
                        const SigningKeyPair& key, KeyType secret_type, KeyType public_type) {
  FixedBytes<kKeyMaterialSize> seed{};
  std::memcpy(seed.data(), key.seed.data(), seed.size());
  Status s = write_key_file(secret_path, secret_type, seed);
  secure_wipe(seed.data(), seed.size());
  CIVIC_TRY(s);
  return write_key_file(public_path, public_type, key.public_key.bytes);
}

Status save_submission_key(const std::filesystem::path& secret_path,
                           const std::filesystem::path& public_path, const SealKeyPair& key) {
  FixedBytes<kKeyMaterialSize> secret{};
  std::memcpy(secret.data(), key.secret.data(), secret.size());
  Status s = write_key_file(secret_path, KeyType::kHubSubmissionSecret, secret);
  secure_wipe(secret.data(), secret.size());
  CIVIC_TRY(s);
  return write_key_file(public_path, KeyType::kHubSubmissionPublic, key.public_key.bytes);
}

MemoryLock::MemoryLock(void* data, std::size_t size)
    : data_(data), size_(size), locked_(sodium_mlock(data, size) == 0) {}

MemoryLock::~MemoryLock() {
  if (locked_) {
    sodium_munlock(data_, size_);
  } else {
    sodium_memzero(data_, size_);
  }
}

void no_core_dumps() {
  // Under systemd the unit already says LimitCORE=0 (and its system call filter may refuse
  // changing limits): nothing to do then.
  rlimit now{};
  if (::getrlimit(RLIMIT_CORE, &now) == 0 && now.rlim_cur == 0 && now.rlim_max == 0) return;
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

}  // namespace civic
