// Public surface of @crypto-lakehouse/testkit: real-service launchers and the archive replica generator.
// The vitest contract suites live at `@crypto-lakehouse/testkit/contracts`, so importing this entry never loads vitest.
export * from "./replica/index.js";
export * from "./services/index.js";
