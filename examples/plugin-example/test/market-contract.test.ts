// The example market passes the same market contract suite as the built-in markets: keys that round-trip, a valid
// matrix fragment, and CSV schemas that match what the replica writes for it.
import { describeMarketContract } from "@crypto-lakehouse/testkit/contracts";
import { umFundingMarket } from "../src/market.js";

describeMarketContract(umFundingMarket);
