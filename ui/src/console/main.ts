import { mount } from 'svelte';
import Console from './Console.svelte';
import './console.css';
import { session } from './session.svelte';

document.documentElement.lang = session.lang === 'zh' ? 'zh-CN' : 'en';
const target = document.getElementById('console');
if (!target) throw new Error('#console missing from console.html');
export default mount(Console, { target });
