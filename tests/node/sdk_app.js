// SPDX-License-Identifier: MIT
// sdk_app.js SDK: one call through a real SDK (tests/node/package.json) to tests/fake_api.py, with the
// SDK reading its key and base URL from the environment as users' apps do; used by 67-node-sdks.sh.
//   openai      openai: chat.completions.create (OPENAI_API_KEY, OPENAI_BASE_URL)
//   anthropic   @anthropic-ai/sdk: messages.create (ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN)
//   google      @google/genai: models.generateContent (GOOGLE_API_KEY or GEMINI_API_KEY)
//   langgraph   @langchain/langgraph StateGraph with one @langchain/openai ChatOpenAI node; LangSmith
//               tracing as the environment says (LANGSMITH_TRACING...), runs sent to LANGSMITH_ENDPOINT
//   langsmith   langsmith traceable() with its own Client, flushed before exit
// Prints one line, "SDK: ok" or "SDK: failed (ErrorClass)": never a value. Exit 1 when the call failed.
'use strict';

const sdk = process.argv[2];

async function openai() {
  const OpenAI = require('openai');
  const client = new OpenAI();
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
}

async function anthropic() {
  const Anthropic = require('@anthropic-ai/sdk');
  const client = new Anthropic({ maxRetries: 0 });
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8,
    messages: [{ role: 'user', content: 'hi' }] });
}

async function google() {
  const { GoogleGenAI } = require('@google/genai');
  const client = new GoogleGenAI({ httpOptions: { baseUrl: process.env.FAKE_API_URL } });
  await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
}

async function langgraph() {
  const { StateGraph, MessagesAnnotation, START, END } = require('@langchain/langgraph');
  const { ChatOpenAI } = require('@langchain/openai');
  const { awaitAllCallbacks } = require('@langchain/core/callbacks/promises');
  const model = new ChatOpenAI({ model: 'gpt-4o-mini', maxRetries: 0,
    configuration: { baseURL: process.env.OPENAI_BASE_URL } });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge(START, 'agent').addEdge('agent', END).compile();
  await graph.invoke({ messages: [{ role: 'user', content: 'hi' }] });
  await awaitAllCallbacks();
}

async function langsmith() {
  const { Client } = require('langsmith');
  const { traceable } = require('langsmith/traceable');
  const client = new Client();
  const step = traceable(async (x) => x + 1, { name: 'step', client });
  await step(1);
  await client.awaitPendingTraceBatches();
}

const apps = { openai, anthropic, google, langgraph, langsmith };
if (!apps[sdk]) {
  console.error(`sdk_app.js: unknown SDK ${sdk}`);
  process.exit(2);
}
apps[sdk]().then(() => console.log(`${sdk}: ok`), (e) => {
  console.log(`${sdk}: failed (${e && e.constructor ? e.constructor.name : typeof e})`);
  process.exitCode = 1;
});
