// Group commit of uploads, for the stores: concurrent store_batch calls share one transaction and
// one durable commit. The first caller to find no commit running takes every batch waiting (its
// own included) and commits them as one group through the store's function; batches arriving
// meanwhile wait for the next group. Nothing is acknowledged before the commit that holds it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store.h"

namespace civic {

class BatchGroupCommit {
 public:
  struct Pending {
    const ParsedBatch* batch;
    const AckSigner* sign;
    std::uint64_t now;
    const std::string* via;
  };
  // Stores a group in one transaction: one outcome per batch, in order.
  using CommitGroup = std::function<std::vector<Result<StoredBatch>>(const std::vector<const Pending*>&)>;

  Result<StoredBatch> store(const ParsedBatch& batch, const AckSigner& sign, std::uint64_t now,
                            const std::string& via, const CommitGroup& commit) {
    Waiting me{{&batch, &sign, now, &via}, std::nullopt};
    std::unique_lock lock(mutex_);
    waiting_.push_back(&me);
    while (!me.result) {
      if (committing_) {
        done_.wait(lock);
        continue;
      }
      committing_ = true;
      std::vector<Waiting*> group;
      group.swap(waiting_);
      lock.unlock();
      std::vector<const Pending*> pending;
      pending.reserve(group.size());
      for (const Waiting* w : group) pending.push_back(&w->pending);
      auto outcomes = commit(pending);
      lock.lock();
      // Outcomes are handed over under the lock: the callers waiting read them under it.
      for (std::size_t i = 0; i < group.size(); ++i) group[i]->result = std::move(outcomes[i]);
      committing_ = false;
      done_.notify_all();
    }
    return std::move(*me.result);
  }

 private:
  struct Waiting {
    Pending pending;
    std::optional<Result<StoredBatch>> result;
  };
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Waiting*> waiting_;
  bool committing_ = false;
};

}  // namespace civic
