export { Simulation, SimulationError, simulate, formatStep, type SimOptions, type SimResult, type SimStep } from './simulator.js';
export { Random } from './random.js';
export { randomWorkload, randomDrfWorkload, uniqueValue, type RandomWorkloadOptions, type DrfWorkloadOptions } from './workloads.js';
export { scenarios, scenarioNames, getScenario, type Scenario } from './scenarios.js';
