import './styles.css';
import { startConsole } from './shell/app';

startConsole(document.getElementById('app')!);
