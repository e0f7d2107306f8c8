import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { app } from './lib/state.svelte';

document.documentElement.lang = app.settings.lang === 'zh' ? 'zh-CN' : 'en';
const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
export default mount(App, { target });
