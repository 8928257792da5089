#pragma once
// Agent columns and flags that several mechanisms declare, each with one meaning. They are written here once
// so that every declaration agrees (sim/columns.hpp refuses a shared column declared two ways).
#include <cstdint>

#include "sim/columns.hpp"
#include "sim/model.hpp"

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

// The ways of crossing a border: the labels of the `option` dimension of the kernel's crossings series.
// Every mechanism that takes people across borders declares all three, in this order, so that the
// dimension is the same in every run.
//   pathway   entry in a regular form: a visa, permit or pathway, as a national, or admitted for protection
//   smuggler  with a smuggler's service
//   alone     irregularly, without a smuggler
struct CrossingOptions {
  std::uint8_t pathway = 0, smuggler = 1, alone = 2;
};
inline CrossingOptions declare_crossing_options(Declarations& declared) {
  CrossingOptions o;
  o.pathway = declared.crossing_option("pathway");
  o.smuggler = declared.crossing_option("smuggler");
  o.alone = declared.crossing_option("alone");
  return o;
}

}  // namespace migrasim::models
