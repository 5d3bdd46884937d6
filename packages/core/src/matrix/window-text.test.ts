// The window wording shown by `lakehouse matrix` and the planner's notes.
import { describe, expect, it } from "vitest";
import { windowText } from "./window-text.js";

describe("windowText", () => {
  it("says until / from / a range, with months for monthly files", () => {
    expect(windowText("daily", { to: "2024-03-30" })).toBe("until 2024-03-30");
    expect(windowText("monthly", { to: "2024-04-01" })).toBe("until 2024-04");
    expect(windowText("daily", { from: "2023-05-18" })).toBe("from 2023-05-18");
    expect(windowText("daily", { from: "2023-05-18", to: "2023-10-23" })).toBe("2023-05-18 … 2023-10-23");
    expect(windowText("monthly", { from: "2023-05-01", to: "2023-10-01" })).toBe("2023-05 … 2023-10");
  });

  it("has nothing to say without bounds", () => {
    expect(windowText("daily", undefined)).toBeUndefined();
    expect(windowText("daily", { empty: true })).toBeUndefined();
  });
});
