// The shared vocabulary of civic-kiosk: everything the kiosk, the sync agent and the hub say to
// each other, as pure functions over bytes. No files, sockets or clocks here.
#pragma once

#include "batch.h"      // IWYU pragma: export
#include "bytes.h"      // IWYU pragma: export
#include "chain.h"      // IWYU pragma: export
#include "content.h"    // IWYU pragma: export
#include "crypto.h"     // IWYU pragma: export
#include "enrolment.h"  // IWYU pragma: export
#include "event_report.h"  // IWYU pragma: export
#include "health_report.h"  // IWYU pragma: export
#include "online_import.h"  // IWYU pragma: export
#include "key_statement.h"  // IWYU pragma: export
#include "keyfile.h"    // IWYU pragma: export
#include "merkle.h"     // IWYU pragma: export
#include "receipt.h"    // IWYU pragma: export
#include "record.h"     // IWYU pragma: export
#include "sync/common/result.h"     // IWYU pragma: export
