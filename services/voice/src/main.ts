import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startVoice } from './app';
import { loadVoiceConfig } from './config';

runService({ service: 'voice', loadConfig: loadVoiceConfig, start: startVoice });
