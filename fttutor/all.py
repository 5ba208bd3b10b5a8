"Everything a lesson needs: `from fttutor.all import *` (fastai's `vision.all` included, as fastai lessons expect)."
from fastai.vision.all import *
from .core import *
from .models import *
from .data import *
from .check import course_check, sample_photos
from .features import *
from .freezing import *
from .finetuning import *
from .text import *
from .lora import *
from .protocol import *
from .compare import *
