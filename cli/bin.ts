#!/usr/bin/env node
import { main } from "./main.js";
import { processIo } from "./output.js";
import { installProcessGuards } from "./process_guard.js";

installProcessGuards();
const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
