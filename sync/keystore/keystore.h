// Key files on disk: written atomically with mode 0600 (secrets) or 0644 (public keys); loading
// checks the file's type, integrity and, for secrets, that no other user can read it. Every error
// names the file and says what to do.
#pragma once

#include <filesystem>

#include "sync/protocol/crypto.h"
#include "sync/protocol/keyfile.h"
#include "sync/common/result.h"

namespace civic {

// Fails with kConflict if the file exists: keys are never overwritten by accident.
[[nodiscard]] Status write_key_file(const std::filesystem::path& path, KeyType type,
                                    const FixedBytes<kKeyMaterialSize>& material);

[[nodiscard]] Result<FixedBytes<kKeyMaterialSize>> read_key_file(const std::filesystem::path& path,
                                                                 KeyType expected);

// type must be one of the two signing secret types.
[[nodiscard]] Result<SigningKeyPair> load_signing_key(const std::filesystem::path& path, KeyType type);
[[nodiscard]] Result<SigningPublicKey> load_signing_public_key(const std::filesystem::path& path,
                                                               KeyType type);
[[nodiscard]] Result<SealKeyPair> load_submission_secret_key(const std::filesystem::path& path);
[[nodiscard]] Result<SealPublicKey> load_submission_public_key(const std::filesystem::path& path);

[[nodiscard]] Status save_signing_key(const std::filesystem::path& secret_path,
                                      const std::filesystem::path& public_path,
                                      const SigningKeyPair& key, KeyType secret_type,
                                      KeyType public_type);
[[nodiscard]] Status save_submission_key(const std::filesystem::path& secret_path,
                                         const std::filesystem::path& public_path,
                                         const SealKeyPair& key);

// Keeps a long-lived secret key's memory out of swap and core dumps (sodium_mlock: mlock and
// MADV_DONTDUMP) while it lives, and wipes it when it ends (sodium_munlock), so declare it after
// the key it guards. Best effort: when the locked-memory limit refuses, the key still works and
// locked() says so.
class MemoryLock {
 public:
  MemoryLock(void* data, std::size_t size);
  ~MemoryLock();
  MemoryLock(const MemoryLock&) = delete;
  MemoryLock& operator=(const MemoryLock&) = delete;
  bool locked() const { return locked_; }

 private:
  void* data_;
  std::size_t size_;
  bool locked_;
};

// Secret keys and residents' words live in these programs' memory: a crash must not write them
// to a core file. Sets this process's core size limit to zero (every program calls it first).
void no_core_dumps();

}  // namespace civic
