#include "keystore.h"

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

Error io_error(const std::filesystem::path& path, const std::string& action, int err) {
  return make_error(err == ENOSPC ? ErrorCode::kDiskFull : ErrorCode::kIo,
                    "cannot " + action + " key file " + path.string() + ": " + std::strerror(err));
}

Error with_path(const std::filesystem::path& path, const Error& e) {
  return Error{e.code, "key file " + path.string() + ": " + e.message};
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Status write_key_file(const std::filesystem::path& path, KeyType type,
                      const FixedBytes<kKeyMaterialSize>& material) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return make_error(ErrorCode::kConflict, "key file " + path.string() +
                                                " already exists; move it away first if you really "
                                                "mean to replace this key");
  }
  Bytes contents = encode_key_file(type, material);
  const mode_t mode = is_secret_key_type(type) ? 0600 : 0644;
  // Write beside the target, make it durable, then rename: a crash leaves the old state or the
  // complete new file, never half a key.
  std::filesystem::path temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return io_error(temp, "create", errno);
  if (::fchmod(fd, mode) != 0 || !write_all(fd, contents.data(), contents.size()) || ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    secure_wipe(contents.data(), contents.size());
    return io_error(temp, "write", err);
  }
  secure_wipe(contents.data(), contents.size());
  ::close(fd);
  if (::link(temp.c_str(), path.c_str()) != 0) {  // link() fails rather than replace a file
    int err = errno;
    ::unlink(temp.c_str());
    if (err == EEXIST) {
      return make_error(ErrorCode::kConflict, "key file " + path.string() + " already exists");
    }
    return io_error(path, "create", err);
  }
  ::unlink(temp.c_str());
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<FixedBytes<kKeyMaterialSize>> read_key_file(const std::filesystem::path& path, KeyType expected) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return make_error(ErrorCode::kNotFound, "key file " + path.string() + " does not exist (" +
                                                  key_type_description(expected) + " expected)");
    }
    return io_error(path, "open", err);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error(path, "inspect", err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, "key file " + path.string() + " is not a regular file");
  }
  std::uint8_t buffer[kKeyFileSize + 1];
  std::size_t got = 0;
  while (got < sizeof buffer) {
    ssize_t n = ::read(fd, buffer + got, sizeof buffer - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(path, "read", err);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  // The wrong kind of key is named first: "chmod 600" is no help to someone who gave the public
  // key where the secret one belongs.
  ::close(fd);
  auto decoded = decode_key_file(ByteView(buffer, got), expected);
  secure_wipe(buffer, sizeof buffer);
  if (!decoded.ok() && decoded.code() == ErrorCode::kWrongKeyType) return with_path(path, decoded.error());
  // Refusing a key it read: the key material is wiped before the answer goes back.
  auto refuse = [&decoded](Error e) -> Result<FixedBytes<kKeyMaterialSize>> {
    if (decoded.ok()) secure_wipe(decoded->data(), decoded->size());
    return e;
  };
  if (is_secret_key_type(expected) && (st.st_mode & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return refuse(make_error(ErrorCode::kInsecurePermissions,
                      "secret key file " + path.string() + " can be read by other users (mode " +
                          mode + "); run: chmod 600 " + path.string()));
  }
  // A public key here is something this machine trusts (the hub's keys on a kiosk): whoever can
  // change it, or the folder it is in, can make it trust another. Neither may be writable by others.
  if (!is_secret_key_type(expected) && (st.st_mode & 0022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
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
