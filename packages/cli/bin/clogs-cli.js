#!/usr/bin/env node
// A committed wrapper, so the bin exists before the first build; the program is in dist/.
import '../dist/bin.js';
