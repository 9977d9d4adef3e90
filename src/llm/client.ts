// A chat model behind one small interface; the implementation speaks the OpenAI API, which
// OpenAI, DeepSeek, Qwen (DashScope compatible mode), Ollama and vLLM all serve.
import OpenAI from 'openai';
import { AppError } from '../errors.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmClient {
  /** The model's reply text; throws AppError LLM_FAILED on timeouts and API errors. */
  complete(messages: ChatMessage[], options?: { json?: boolean }): Promise<string>;
}

export interface OpenAiClientConfig {
  apiKey: string;
  baseURL?: string | undefined;
  model: string;
  timeoutMs: number;
}

export function createOpenAiClient(config: OpenAiClientConfig): LlmClient {
  const client = new OpenAI({
    apiKey: config.apiKey,
    ...(config.baseURL ? { baseURL: config.baseURL } : {}),
    timeout: config.timeoutMs,
    // The customer is waiting: one attempt, then the offline answer.
    maxRetries: 0,
  });
  return {
    async complete(messages, options = {}) {
      try {
        const res = await client.chat.completions.create({
          model: config.model,
          messages,
          temperature: 0,
          ...(options.json ? { response_format: { type: 'json_object' as const } } : {}),
        });
        const text = res.choices[0]?.message?.content;
        if (typeof text !== 'string') throw new Error('the model returned no text');
        return text;
      } catch (err) {
        throw new AppError('LLM_FAILED', `model call failed: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
