#pragma once
// Entry rules by nationality on any route or border, dated (docs/models/entry.md). Each rule names some
// crossings (every route between two countries, or the routes joining two places: a road, a sea leg, a
// flight), the nationalities it concerns (everyone if none) and what they meet there:
//   closed         nobody of them sets out on those routes
//   visa_required  only holders of a permit or visa pass
//   visa_free      everyone of them passes (an exemption from an earlier rule)
//   permeability   permit holders pass; the others get through with a daily probability
// For one person and route, the last rule in the list that is in force and names their nationality
// decides. People entering their own country always pass. The kernel's movement routine asks these rules
// before anyone of any mechanism sets out on a route; a refusal is an apprehension, and the mover keeps the
// person waiting (economic: stranded, reroutes after its patience).
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim::models {

struct EntryParams {
  enum class Kind : std::uint8_t { closed, visa_required, visa_free, permeability };
  struct Rule {
    std::string name = "entry rule";
    std::int32_t from_day = 0;                                          // first day in force
    std::int32_t until_day = std::numeric_limits<std::int32_t>::max();  // last day in force
    std::vector<country_id> border;         // [country, country]: every route between them; or
    std::vector<place_id> route_ends;       // [place, place]: the routes joining them
    std::vector<route_id> routes;           // derived from border or route_ends
    std::vector<country_id> nationalities;  // empty: everyone
    Kind kind = Kind::permeability;
    double permeability = 0;  // kind permeability: daily probability of getting through without a permit
    bool permit_holders_pass = true;  // kind permeability: permit holders pass
    bool permeability_given = false;
  };
  std::vector<Rule> rules;

  // The parameter table (key paths, ranges, units, sources): read by io/, checked by validate(), printed
  // by `migrasim params`.
  static const ParamTableOf<EntryParams>& table();
  void validate(const World& world, std::int32_t days) const;
};

// Random-number purposes of the entry rules (sim/rng.hpp); declared in declare(). Purpose 20 is the one the
// border policies drew from when the economic model held them, so that runs stay identical.
namespace entry_purpose {
inline constexpr Purpose pass{20};
}  // namespace entry_purpose

class EntryModel final : public Model, public EntryGate {
 public:
  explicit EntryModel(EntryParams params);
  std::string_view name() const override { return "entry"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<EntryModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void attach(StepContext& ctx) override;
  void on_start(StepContext& ctx) override;
  // Changeable mid-run (rules (any change to the list), rules[].permeability): read afresh each day.
  void change_params(StepContext& ctx, const void* params) override {
    EntryParams p = *static_cast<const EntryParams*>(params);
    p.validate(ctx.world(), ctx.days());
    params_ = std::move(p);
  }
  void decide(StepContext& ctx) override;

  // EntryGate
  bool active(route_id r) const override { return !rules_on_[static_cast<std::size_t>(r)].empty(); }
  bool admits(std::size_t i, arc_id a, std::uint8_t flags) const override;

 private:
  EntryParams params_;
  FlagBit holds_permit_;  // shared: a visa or permit
  const World* world_ = nullptr;
  const Population* population_ = nullptr;
  const KeyedRng* rng_ = nullptr;
  std::int32_t day_ = 0;
  std::vector<std::vector<std::uint16_t>> rules_on_;  // [route] rules in force today, in list order
};

}  // namespace migrasim::models
