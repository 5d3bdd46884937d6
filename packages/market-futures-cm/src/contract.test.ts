// The shared market contract suite for this market: keys that round-trip, a valid matrix fragment, and CSV schemas
// that match what the replica writes. Imported by path: the testkit depends on the replica, which depends on the
// built-in markets, so a package dependency from here would be a cycle.
import { describeMarketContract } from "../../testkit/src/contracts/index.js";
import { futuresCmMarket } from "./index.js";

describeMarketContract(futuresCmMarket);
