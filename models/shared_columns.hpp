#pragma once
// Agent columns and flags that several mechanisms declare, each with one meaning. They are written here once
// so that every declaration agrees (sim/columns.hpp refuses a shared column declared two ways).
#include "sim/columns.hpp"

namespace migrasim::models {

// Written by the mechanisms that create travellers (economic, smuggling), spent by those that charge fees
// (smuggling services, legal pathways).
inline ColumnSpec resources_column() {
  return {"resources_usd", "savings and help available for the journey, USD", 0, true};
}

// Set by whoever grants entry with a permit (economic visas, smuggling's regular services, legal pathways);
// read by border policies and the legal-status model.
inline ColumnSpec holds_permit_flag() {
  return {"holds_permit", "holds a visa or permit for the destination country", 0, true};
}

}  // namespace migrasim::models
